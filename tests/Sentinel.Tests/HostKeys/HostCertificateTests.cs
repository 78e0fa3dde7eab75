using System;
using System.IO;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.HostKeys
{
    /// <summary>Host certificates against @cert-authority lines, as OpenSSH's check_host_key judges them.</summary>
    public sealed class HostCertificateTests : IDisposable
    {
        // ssh-keygen -t ed25519: the host key (HostKey), two CAs (Ca1, Ca2), and an RSA CA (RsaCa). Certificates of
        // HostKey, each: ssh-keygen -s <ca> -I <name>-id ...
        //   Good: -s ca1 -h -n 'web01,*.example.com' (forever)   Expired: -s ca1 -h -n web01 -V 20200101:20200201
        //   User: -s ca1 -n web01 (a user certificate)             OtherCa: -s ca2 -h -n web01
        //   Sha1: -s rca -t ssh-rsa -h -n web01 (a SHA-1 CA signature)
        private const string HostKey = "AAAAC3NzaC1lZDI1NTE5AAAAIKGIqienrmszLH6oHxWAEpI5HnMh9AXwQ7Xeh0Oo1m5J";
        private const string Ca1 = "AAAAC3NzaC1lZDI1NTE5AAAAIEokTtNwwaDTdgoEoabDYwRzy8+/0EZDZum562c2hCKY";
        private const string Ca2 = "AAAAC3NzaC1lZDI1NTE5AAAAIESkw2+BZt/sOXPag6sL6NaKEgf3Sz1dpcguJfscZ5ym";
        private const string RsaCa = "AAAAB3NzaC1yc2EAAAADAQABAAABAQC4A4zqFbz+qwJC/1ikwCoqVYppOzzn41xIZ9Lcdi/OpF83glJmBk2IA1ZqJqJaahSonE7c5zxK4LDYxtZyJ/I9H0DtIUbBpzxMWU/d3vDd/DcqCpHkutCuMDXFcjo9ruhnJrbz9TcQRuAYHkwlVGFrRzyhbtjPLu00shX4iyz2fCpxNi4zr/DGFwMkdeYCP/tF5VRR0yY5zO9bq8yXm3ywUEG/w741YH8Ml3qfrjRgFX656mIaEQrovQ3SAPZKTcjaH5YlJBZjbln4kkbt5A13r4dgS6TvgdehZ6lEwBD1NFlJ2n8K0tzG3rssP0MeXr6AeJyZeeM2fBcuc/4TQR8N";
        private const string Good = "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIK457KpYBWFdBrHylcNiRNmv1MvR74bW0cs6wwFjC9f7AAAAIKGIqienrmszLH6oHxWAEpI5HnMh9AXwQ7Xeh0Oo1m5JAAAAAAAAAAAAAAACAAAAB2dvb2QtaWQAAAAaAAAABXdlYjAxAAAADSouZXhhbXBsZS5jb20AAAAAAAAAAP//////////AAAAAAAAAAAAAAAAAAAAMwAAAAtzc2gtZWQyNTUxOQAAACBKJE7TcMGg03YKBKGmw2MEc8vPv9BGQ2bpuetnNoQimAAAAFMAAAALc3NoLWVkMjU1MTkAAABAzaxzw3NRpDWfPEk7AL4qiMVdfccFP/8B5i/bL4ImE6iqruT9+gLDV7fcE7fNJj/UUqC/t8f67Gq5hjvbAw+7Bg==";
        private const string Expired = "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAILJ1G+un94LWihrSktDNU98mOvf487hrtNnygXlUKmH2AAAAIKGIqienrmszLH6oHxWAEpI5HnMh9AXwQ7Xeh0Oo1m5JAAAAAAAAAAAAAAACAAAACmV4cGlyZWQtaWQAAAAJAAAABXdlYjAxAAAAAF4L4QAAAAAAXjS/gAAAAAAAAAAAAAAAAAAAADMAAAALc3NoLWVkMjU1MTkAAAAgSiRO03DBoNN2CgShpsNjBHPLz7/QRkNm6bnrZzaEIpgAAABTAAAAC3NzaC1lZDI1NTE5AAAAQGAreEfclNYgiEVZDGAfa1SX/2XXJaFpX1xs9KnaoMj8LqJlpAQhf8ti+nBn2sHgwMysdbJd4bSMKz0scMplDQ8=";
        private const string User = "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAINKQsHOoXNYiTi0X4PiAU/7EvZHCEbgRFat6Nf2kbGx1AAAAIKGIqienrmszLH6oHxWAEpI5HnMh9AXwQ7Xeh0Oo1m5JAAAAAAAAAAAAAAABAAAAB3VzZXItaWQAAAAJAAAABXdlYjAxAAAAAAAAAAD//////////wAAAAAAAACCAAAAFXBlcm1pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAAAFnBlcm1pdC1wb3J0LWZvcndhcmRpbmcAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC11c2VyLXJjAAAAAAAAAAAAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIEokTtNwwaDTdgoEoabDYwRzy8+/0EZDZum562c2hCKYAAAAUwAAAAtzc2gtZWQyNTUxOQAAAEDZsTBUAt5MI1WFaSFlO+lmXIC6Rfy86gmCfdY/wHEVk0WPSKZzigGCcsXUDiupdon4Ob5WMgreMo9DN73JWq8K";
        private const string OtherCa = "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIEWcTmV0Gno9WyR1AuQITMlc3imBn/+Q48JJ1ytgk1imAAAAIKGIqienrmszLH6oHxWAEpI5HnMh9AXwQ7Xeh0Oo1m5JAAAAAAAAAAAAAAACAAAACG90aGVyLWlkAAAACQAAAAV3ZWIwMQAAAAAAAAAA//////////8AAAAAAAAAAAAAAAAAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIESkw2+BZt/sOXPag6sL6NaKEgf3Sz1dpcguJfscZ5ymAAAAUwAAAAtzc2gtZWQyNTUxOQAAAEAlk6AP4cMQFw+N9Y75UTjy8huP897Q2ipQT3iLnQzczfqZxqUCWWlvBhJy31RwJzFOiBB82WZIPJU61f8B4w0F";
        private const string Sha1 = "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIJprMzxFhTJIliOoaypEymcHHBnW9rYhYTW8jzNhKlKYAAAAIKGIqienrmszLH6oHxWAEpI5HnMh9AXwQ7Xeh0Oo1m5JAAAAAAAAAAAAAAACAAAAB3NoYTEtaWQAAAAJAAAABXdlYjAxAAAAAAAAAAD//////////wAAAAAAAAAAAAAAAAAAARcAAAAHc3NoLXJzYQAAAAMBAAEAAAEBALgDjOoVvP6rAkL/WKTAKipVimk7POfjXEhn0tx2L86kXzeCUmYGTYgDVmomolpqFKicTtznPErgsNjG1nIn8j0fQO0hRsGnPExZT93e8N38NyoKkeS60K4wNcVyOj2u6GcmtvP1NxBG4BgeTCVUYWtHPKFu2M8u7TSyFfiLLPZ8KnE2LjOv8MYXAyR15gI/+0XlVFHTJjnM71urzJebfLBQQb/DvjVgfwyXep+uNGAVfrnqYhoRCui9DdIA9kpNyNofliUkFmNuWfiSRu3kDXevh2BLpO+B16FnqUTAEPU0WUnafwrS3Mbeuyw/Qx5evoB4nJl54zZ8Fy5z/hNBHw0AAAEPAAAAB3NzaC1yc2EAAAEAr49FnX1eyP0WlQJ+vjL1t7/n0LS7KYZ6DRhAnxfpp8YCa89qDLhMV246eTamEkajkCZ9ZoKodxI8naIGW7nDPYcSi0/x3DLCbdAdzKOLweNri/7J7Lzlv5j2mvqmKXygrXLw9/GPY/ayeAlpMqLr7QLiIKxkFvrV4EqJzmlZ3e4r+YbNDGS1NPfImBdMixk8so2ypdygeYV8H4YczUKjAkXK9s3otgHDt9vKS2MXLyCsaKzI5oIIcfZbRi5te5RN792uiSeHSi+B3FwiPxb5/sf5dH9cHpb+Xsf8TirqXlODqzK4XZ7P+JsdiTDksFDFgmgAgfVLSDGbC+1vmtp/aA==";

        private readonly string _path = Path.Combine(Path.GetTempPath(), "known_hosts-" + Guid.NewGuid().ToString("N"));

        public void Dispose() => File.Delete(_path);

        private HostKeyVerifier Verifier(HostKeyPolicy policy, string computerName, params string[] lines)
        {
            File.WriteAllLines(_path, lines);
            return new HostKeyVerifier(computerName, 2222, policy, KnownHostsFile.Load(_path, computerName));
        }

        private static HostKeyOffer Offer(string certificate) => new HostKeyOffer("ssh-ed25519-cert-v01@openssh.com", TestKeys.Bytes(certificate));

        [Theory]
        [InlineData("web01", "@cert-authority [web01]:2222 ssh-ed25519 " + Ca1)]
        [InlineData("db.example.com", "@cert-authority [*.example.com]:* ssh-ed25519 " + Ca1)]
        [InlineData("web01", "@cert-authority * ssh-ed25519 " + Ca1)]
        [InlineData("web01", "@cert-authority [web0?]:2222,!*.bad ssh-ed25519 " + Ca1)]
        [InlineData("web01", "@cert-authority |1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-ed25519 " + Ca1)]
        public void TrustsACertificateByAListedCaUnderStrictWithNoKeyOfItsOwn(string computerName, string line)
        {
            if (line.Contains("|1|"))
            {
                line = "@cert-authority " + HashedName("[" + computerName + "]:2222") + " ssh-ed25519 " + Ca1;
            }

            var verifier = Verifier(HostKeyPolicy.Strict, computerName, line);
            Assert.True(verifier.ExpectsCertificate);
            Assert.Empty(verifier.KnownKeyTypes);
            Assert.True(verifier.Verify(Offer(Good)));
            Assert.Equal(HostKeyVerdict.Certified, verifier.Verdict);
            Assert.Contains("certificate 'good-id'", verifier.Trust);
            Assert.Contains(Fingerprint.Sha256(TestKeys.Bytes(Ca1)), verifier.Trust);
            Assert.Contains("line 1", verifier.Trust);
        }

        [Fact]
        public void ACaLineForOtherHostsIsNotUsed()
        {
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority *.example.com,!web01 ssh-ed25519 " + Ca1, "@cert-authority [web01]:22 ssh-ed25519 " + Ca1);
            Assert.False(verifier.ExpectsCertificate);
            Assert.False(verifier.Verify(Offer(Good)));
            Assert.Equal(HostKeyVerdict.Unknown, verifier.Verdict);
        }

        [Fact]
        public void ACaLineIsNotAHostKey()
        {
            // The CA's own key offered as a plain host key must not be trusted by its @cert-authority line.
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority * ssh-ed25519 " + Ca1);
            Assert.False(verifier.Verify(new HostKeyOffer("ssh-ed25519", TestKeys.Bytes(Ca1))));
            Assert.Equal(ErrorIds.HostKeyUnknown, verifier.Rejection()!.ErrorId);
        }

        [Fact]
        public void AnUnknownCaIsRefusedUnderStrictNamingTheCa()
        {
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority * ssh-ed25519 " + Ca1);
            Assert.False(verifier.Verify(Offer(OtherCa)));
            var error = verifier.Rejection()!;
            Assert.Equal(ErrorIds.HostKeyUnknown, error.ErrorId);
            Assert.Contains(Fingerprint.Sha256(TestKeys.Bytes(Ca2)), error.Message);
            Assert.Contains("does not list", error.Message);
        }

        [Fact]
        public void AnUnknownCaFallsBackToThePlainKeyAsSshDoes()
        {
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority * ssh-ed25519 " + Ca1, "[web01]:2222 ssh-ed25519 " + HostKey);
            Assert.True(verifier.Verify(Offer(OtherCa)));
            Assert.Equal(HostKeyVerdict.Known, verifier.Verdict);
            Assert.Contains("line 2", verifier.Trust);
        }

        [Fact]
        public void AcceptNewRecordsThePlainKeyOfACertificateByAnUnknownCa()
        {
            var verifier = Verifier(HostKeyPolicy.AcceptNew, "web01");
            Assert.True(verifier.Verify(Offer(OtherCa)));
            verifier.RecordIfNew();
            Assert.Equal("[web01]:2222 ssh-ed25519 " + HostKey, Assert.Single(File.ReadAllLines(_path)));
        }

        [Theory]
        [InlineData("@revoked * ssh-ed25519 " + Ca1, "its CA")]
        [InlineData("@revoked * ssh-ed25519 " + HostKey, "its key")]
        public void ARevokedCaOrCertifiedKeyIsRefused(string revoked, string what)
        {
            var verifier = Verifier(HostKeyPolicy.Ignore, "web01", "@cert-authority * ssh-ed25519 " + Ca1, revoked);
            Assert.False(verifier.Verify(Offer(Good)));
            Assert.Equal(HostKeyVerdict.Revoked, verifier.Verdict);
            var error = verifier.Rejection()!;
            Assert.Equal(ErrorIds.HostKeyRevoked, error.ErrorId);
            Assert.Contains(what, error.Message);
        }

        [Theory]
        [InlineData("web02", Good, "principals (web01, *.example.com) do not include 'web02'")]
        [InlineData("web01", Expired, "expired: valid from 2020-01-01")]
        [InlineData("web01", User, "user certificate")]
        public void ACertificateByAListedCaThatDoesNotHoldIsRefusedSayingWhy(string computerName, string certificate, string reason)
        {
            var verifier = Verifier(HostKeyPolicy.AcceptNew, computerName, "@cert-authority * ssh-ed25519 " + Ca1);
            Assert.False(verifier.Verify(Offer(certificate)));
            Assert.Equal(HostKeyVerdict.CertificateRefused, verifier.Verdict);
            var error = verifier.Rejection()!;
            Assert.Equal(ErrorIds.CertificateInvalid, error.ErrorId);
            Assert.Contains(reason, error.Message);
        }

        [Fact]
        public void ASha1CaSignatureIsRefused()
        {
            var verifier = Verifier(HostKeyPolicy.AcceptNew, "web01", "@cert-authority * ssh-rsa " + RsaCa);
            Assert.False(verifier.Verify(Offer(Sha1)));
            Assert.Contains("SHA-1", verifier.Rejection()!.Message);
        }

        [Fact]
        public void AMalformedCertificateIsRefused()
        {
            var verifier = Verifier(HostKeyPolicy.Ignore, "web01", "@cert-authority * ssh-ed25519 " + Ca1);
            var blob = TestKeys.Bytes(Good);
            Array.Resize(ref blob, blob.Length - 1);
            Assert.False(verifier.Verify(new HostKeyOffer("ssh-ed25519-cert-v01@openssh.com", blob)));
            Assert.Equal(HostKeyVerdict.Malformed, verifier.Verdict);
        }

        [Fact]
        public void ARekeyMustPresentTheSameCertificate()
        {
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority * ssh-ed25519 " + Ca1, "@cert-authority * ssh-ed25519 " + Ca2);
            Assert.True(verifier.Verify(Offer(Good)));
            Assert.False(verifier.Verify(Offer(OtherCa)));
        }

        [Fact]
        public void ACertificateTheTransportRefusesBeforeAskingIsStillExplained()
        {
            // SSH.NET refuses an expired certificate before HostKeyReceived: only Presented saw it.
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority * ssh-ed25519 " + Ca1);
            verifier.Presented(Offer(Expired));
            var error = verifier.Rejection()!;
            Assert.Equal(ErrorIds.CertificateInvalid, error.ErrorId);
            Assert.Contains("expired: valid from 2020-01-01 00:00:00Z to 2020-02-01 00:00:00Z, now is", error.Message);
        }

        [Fact]
        public void AGoodCertificateWhoseSignaturesFailedIsRefusedAsSuch()
        {
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority * ssh-ed25519 " + Ca1);
            verifier.Presented(Offer(Good));
            Assert.Contains("signatures did not verify", verifier.Rejection()!.Message);
            Assert.True(verifier.Verify(Offer(Good)));
            Assert.Null(verifier.Rejection());
        }

        [Fact]
        public void PresentedTrustsNothingAndDoesNotMoveAPin()
        {
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority * ssh-ed25519 " + Ca1);
            Assert.True(verifier.Verify(Offer(Good)));
            verifier.Presented(Offer(Expired));
            Assert.Equal(HostKeyVerdict.Certified, verifier.Verdict);
            Assert.False(verifier.Verify(Offer(Expired)));
        }

        [Theory]
        [InlineData("db.example.com", "*.example.com")]
        [InlineData("web01", "web01")]
        public void ACaLineForTheNameWithoutThePortCoversTheHostOnAnyPortAsSshDoes(string computerName, string hosts)
        {
            var verifier = Verifier(HostKeyPolicy.Strict, computerName, "@cert-authority " + hosts + " ssh-ed25519 " + Ca1);
            Assert.True(verifier.ExpectsCertificate);
            Assert.True(verifier.Verify(Offer(Good)));
            Assert.Equal(HostKeyVerdict.Certified, verifier.Verdict);
            Assert.Contains("certificate 'good-id'", verifier.Trust);
            Assert.Contains($"line 1 ('{computerName}' without the port", verifier.Trust);
        }

        [Theory]
        [InlineData(HostKeyPolicy.Strict)]
        [InlineData(HostKeyPolicy.AcceptNew)]
        public void ACertificateRefusedByTheCaOfTheNameWithoutThePortIsRefusedSayingWhy(HostKeyPolicy policy)
        {
            var verifier = Verifier(policy, "web01", "@cert-authority web01 ssh-ed25519 " + Ca1);
            Assert.False(verifier.Verify(Offer(Expired)));
            Assert.Equal(HostKeyVerdict.CertificateRefused, verifier.Verdict);
            Assert.Contains("expired", verifier.Rejection()!.Message);
        }

        [Fact]
        public void ACaRevokedForTheNameWithoutThePortIsRefused()
        {
            var verifier = Verifier(HostKeyPolicy.AcceptNew, "web01", "@cert-authority web01 ssh-ed25519 " + Ca1, "@revoked web01 ssh-ed25519 " + Ca1);
            Assert.False(verifier.Verify(Offer(Good)));
            Assert.Equal(HostKeyVerdict.Revoked, verifier.Verdict);
            Assert.Contains("its CA", verifier.Rejection()!.Message);
        }

        [Fact]
        public void ACertificateByAnUnlistedCaIsTrustedByThePlainKeyOfTheNameWithoutThePort()
        {
            // As ssh 9.2: the certificate is retried without the port, as its plain key, before the plain key
            // is checked against [web01]:2222 (ssh -v: "Retry with plain key", "found matching key w/out port").
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "[web01]:2222 ssh-ed25519 " + Ca2, "web01 ssh-ed25519 " + HostKey);
            Assert.True(verifier.Verify(Offer(OtherCa)));
            Assert.Equal(HostKeyVerdict.Known, verifier.Verdict);
            Assert.Contains("line 2 ('web01' without the port", verifier.Trust);
        }

        [Theory]
        [InlineData("[web01]:2222")]
        [InlineData("web01")]
        public void ACertificateThatDoesNotHoldIsRetriedAsItsPlainKeyAsSshDoes(string hosts)
        {
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority * ssh-ed25519 " + Ca1, hosts + " ssh-ed25519 " + HostKey);
            Assert.True(verifier.Verify(Offer(Expired)));
            Assert.Equal(HostKeyVerdict.Known, verifier.Verdict);
            Assert.Contains("line 2", verifier.Trust);
        }

        [Fact]
        public void ARefusedCertificateWhoseKeyIsRevokedWithoutThePortIsRefusedForItsKey()
        {
            var verifier = Verifier(HostKeyPolicy.AcceptNew, "web01", "@cert-authority [web01]:2222 ssh-ed25519 " + Ca1, "@revoked web01 ssh-ed25519 " + HostKey);
            Assert.False(verifier.Verify(Offer(Expired)));
            Assert.Equal(HostKeyVerdict.Revoked, verifier.Verdict);
            var message = verifier.Rejection()!.Message;
            Assert.Contains("its key ssh-ed25519", message);
            Assert.DoesNotContain("expired:", message);
        }

        [Fact]
        public void AnExpiredCertificateOfAKnownKeyThatTheTransportRefusedIsStillExplained()
        {
            // ssh would fall back to the known key; SSH.NET refuses the expired certificate before asking.
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority * ssh-ed25519 " + Ca1, "[web01]:2222 ssh-ed25519 " + HostKey);
            verifier.Presented(Offer(Expired));
            var error = verifier.Rejection()!;
            Assert.Equal(ErrorIds.CertificateInvalid, error.ErrorId);
            Assert.Contains("expired", error.Message);
            Assert.Contains("Its key is known", error.Message);
        }

        [Fact]
        public void ACaLineWithACertificateKeyIsSkipped()
        {
            var verifier = Verifier(HostKeyPolicy.Strict, "web01", "@cert-authority * ssh-ed25519-cert-v01@openssh.com " + Good);
            Assert.False(verifier.ExpectsCertificate);
        }

        private static string HashedName(string name)
        {
            var salt = new byte[20];
            new Random(7).NextBytes(salt);
            using (var hmac = new System.Security.Cryptography.HMACSHA1(salt))
            {
                return "|1|" + Convert.ToBase64String(salt) + "|" + Convert.ToBase64String(hmac.ComputeHash(System.Text.Encoding.UTF8.GetBytes(name)));
            }
        }
    }
}
