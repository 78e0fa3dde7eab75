using System;
using System.IO;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.HostKeys
{
    public sealed class HostKeyVerifierTests : IDisposable
    {
        private static readonly byte[] Known = Convert.FromBase64String(KnownHostsFileTests.KeyBase64);
        private static readonly byte[] Other = MakeOtherKey();
        private readonly string _path = Path.Combine(Path.GetTempPath(), "known_hosts-" + Guid.NewGuid().ToString("N"));

        public void Dispose() => File.Delete(_path);

        private static byte[] MakeOtherKey()
        {
            var key = (byte[])Known.Clone();
            key[key.Length - 1] ^= 0xFF;
            return key;
        }

        private HostKeyVerifier Verifier(HostKeyPolicy policy, params string[] lines)
        {
            File.WriteAllLines(_path, lines);
            return new HostKeyVerifier("web01", 2222, policy, KnownHostsFile.Load(_path, "web01"));
        }

        private static HostKeyOffer Offer(byte[] key) => new HostKeyOffer("ssh-ed25519", key);

        [Theory]
        [InlineData(HostKeyPolicy.AcceptNew)]
        [InlineData(HostKeyPolicy.Strict)]
        [InlineData(HostKeyPolicy.Ignore)]
        public void TrustsAKnownKeyUnderEveryPolicy(HostKeyPolicy policy)
        {
            var verifier = Verifier(policy, $"[web01]:2222 ssh-ed25519 {KnownHostsFileTests.KeyBase64}");
            Assert.True(verifier.Verify(Offer(Known)));
            Assert.Equal(HostKeyVerdict.Known, verifier.Verdict);
            Assert.Null(verifier.Rejection());
        }

        [Fact]
        public void AcceptNewTrustsAnUnknownKeyAndRecordsIt()
        {
            var verifier = Verifier(HostKeyPolicy.AcceptNew);
            Assert.True(verifier.Verify(Offer(Known)));
            Assert.Equal(HostKeyVerdict.AcceptedNew, verifier.Verdict);
            verifier.RecordIfNew();
            Assert.Equal($"[web01]:2222 ssh-ed25519 {KnownHostsFileTests.KeyBase64}", Assert.Single(File.ReadAllLines(_path)));
        }

        [Fact]
        public void StrictRefusesAnUnknownKey()
        {
            var verifier = Verifier(HostKeyPolicy.Strict);
            Assert.False(verifier.Verify(Offer(Known)));
            Assert.Equal(ErrorIds.HostKeyUnknown, verifier.Rejection()!.ErrorId);
        }

        [Theory]
        [InlineData(HostKeyPolicy.AcceptNew)]
        [InlineData(HostKeyPolicy.Strict)]
        public void RefusesAChangedKeyNamingBothFingerprintsAndTheRemedy(HostKeyPolicy policy)
        {
            var verifier = Verifier(policy, "# first line", $"[web01]:2222 ssh-ed25519 {KnownHostsFileTests.KeyBase64}");
            Assert.False(verifier.Verify(Offer(Other)));
            var error = verifier.Rejection()!;
            Assert.Equal(ErrorIds.HostKeyMismatch, error.ErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.SecurityError, error.Category);
            Assert.Contains(KnownHostsFileTests.KeyFingerprint, error.Message);
            Assert.Contains(Fingerprint.Sha256(Other), error.Message);
            Assert.Contains("line 2", error.Message);
            Assert.Contains("ssh-keygen -R '[web01]:2222'", error.RecommendedAction);
        }

        [Fact]
        public void IgnoreAcceptsAChangedKeyAsUnverified()
        {
            var verifier = Verifier(HostKeyPolicy.Ignore, $"[web01]:2222 ssh-ed25519 {KnownHostsFileTests.KeyBase64}");
            Assert.True(verifier.Verify(Offer(Other)));
            Assert.Equal(HostKeyVerdict.Unverified, verifier.Verdict);
            verifier.RecordIfNew();
            Assert.Single(File.ReadAllLines(_path));
        }

        [Theory]
        [InlineData("rsa-sha2-512")]
        [InlineData("rsa-sha2-256")]
        public void AnRsaKeyIsKnownByItsKeyTypeNotTheSignatureAlgorithm(string algorithm)
        {
            var verifier = Verifier(HostKeyPolicy.Strict, $"[web01]:2222 ssh-rsa {TestKeys.Rsa}");
            Assert.True(verifier.Verify(new HostKeyOffer(algorithm, TestKeys.Bytes(TestKeys.Rsa))));
            Assert.Equal(HostKeyVerdict.Known, verifier.Verdict);
            Assert.Contains($"ssh-rsa {TestKeys.RsaFingerprint} (host-key algorithm {algorithm}) matches '{_path}' line 1", verifier.Describe());
        }

        [Theory]
        [InlineData(TestKeys.Rsa, "rsa-sha2-512", "ssh-rsa")]
        [InlineData(TestKeys.Ecdsa256, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256")]
        [InlineData(TestKeys.Ecdsa521, "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521")]
        [InlineData(TestKeys.Ed25519, "ssh-ed25519", "ssh-ed25519")]
        public void AcceptNewRecordsTheKeyTypeOfTheBlob(string key, string algorithm, string keyType)
        {
            var verifier = Verifier(HostKeyPolicy.AcceptNew);
            Assert.True(verifier.Verify(new HostKeyOffer(algorithm, TestKeys.Bytes(key))));
            verifier.RecordIfNew();
            Assert.Equal($"[web01]:2222 {keyType} {key}", Assert.Single(File.ReadAllLines(_path)));
        }

        [Theory]
        [InlineData(HostKeyPolicy.AcceptNew, TestKeys.Rsa, TestKeys.RsaFingerprint, "ssh-rsa", "rsa-sha2-512")]
        [InlineData(HostKeyPolicy.Strict, TestKeys.Rsa, TestKeys.RsaFingerprint, "ssh-rsa", "rsa-sha2-256")]
        [InlineData(HostKeyPolicy.AcceptNew, TestKeys.Ecdsa256, TestKeys.Ecdsa256Fingerprint, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256")]
        [InlineData(HostKeyPolicy.Strict, TestKeys.Ecdsa256, TestKeys.Ecdsa256Fingerprint, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256")]
        public void AChangedKeyOfEveryTypeIsAMismatchAndKnownHostsIsUntouched(HostKeyPolicy policy, string key, string fingerprint, string keyType, string algorithm)
        {
            var verifier = Verifier(policy, $"[web01]:2222 {keyType} {key}");
            var before = File.ReadAllBytes(_path);
            var changed = TestKeys.Changed(key);
            Assert.False(verifier.Verify(new HostKeyOffer(algorithm, changed)));
            var error = verifier.Rejection()!;
            Assert.Equal(ErrorIds.HostKeyMismatch, error.ErrorId);
            Assert.Contains(fingerprint, error.Message);
            Assert.Contains($"{keyType} {Fingerprint.Sha256(changed)}", error.Message);
            verifier.RecordIfNew();
            Assert.Equal(before, File.ReadAllBytes(_path));
        }

        [Fact]
        public void ALineOfTheSignatureNameWrittenByEarlierVersionsStillCounts()
        {
            var verifier = Verifier(HostKeyPolicy.AcceptNew, $"[web01]:2222 rsa-sha2-512 {TestKeys.Rsa}");
            Assert.False(verifier.Verify(new HostKeyOffer("rsa-sha2-512", TestKeys.Changed(TestKeys.Rsa))));
            Assert.Equal(HostKeyVerdict.Mismatch, verifier.Verdict);
        }

        [Theory]
        [InlineData(HostKeyPolicy.AcceptNew)]
        [InlineData(HostKeyPolicy.Strict)]
        public void AHostKnownOnlyByOtherTypesIsAChangedKeyNamingKnownAndOffered(HostKeyPolicy policy)
        {
            var verifier = Verifier(policy, "# keys", $"[web01]:2222 ecdsa-sha2-nistp256 {TestKeys.Ecdsa256}", $"[web01]:2222 ssh-rsa {TestKeys.Rsa}");
            var before = File.ReadAllBytes(_path);
            Assert.False(verifier.Verify(Offer(Known)));
            Assert.Equal(HostKeyVerdict.OtherTypeKnown, verifier.Verdict);
            var error = verifier.Rejection()!;
            Assert.Equal(ErrorIds.HostKeyMismatch, error.ErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.SecurityError, error.Category);
            Assert.Contains($"ssh-ed25519 {KnownHostsFileTests.KeyFingerprint}", error.Message);
            Assert.Contains($"ecdsa-sha2-nistp256 {TestKeys.Ecdsa256Fingerprint} (line 2)", error.Message);
            Assert.Contains($"ssh-rsa {TestKeys.RsaFingerprint} (line 3)", error.Message);
            Assert.Contains(_path, error.Message);
            Assert.Contains("ssh-keyscan -t ssh-ed25519 -p 2222 web01", error.RecommendedAction);
            verifier.RecordIfNew();
            Assert.Equal(before, File.ReadAllBytes(_path));
        }

        [Fact]
        public void IgnoreAcceptsAKeyOfAnotherTypeAsUnverified()
        {
            var verifier = Verifier(HostKeyPolicy.Ignore, $"[web01]:2222 ecdsa-sha2-nistp256 {TestKeys.Ecdsa256}");
            Assert.True(verifier.Verify(Offer(Known)));
            Assert.Equal(HostKeyVerdict.Unverified, verifier.Verdict);
        }

        [Fact]
        public void AnotherCurveIsAnotherType()
        {
            var verifier = Verifier(HostKeyPolicy.Strict, $"[web01]:2222 ecdsa-sha2-nistp384 {TestKeys.Ecdsa384}");
            Assert.False(verifier.Verify(new HostKeyOffer("ecdsa-sha2-nistp256", TestKeys.Bytes(TestKeys.Ecdsa256))));
            Assert.Equal(HostKeyVerdict.OtherTypeKnown, verifier.Verdict);
        }

        [Fact]
        public void KnownKeyTypesComeFromEveryMatchingLineButRevokedOnes()
        {
            var verifier = Verifier(
                HostKeyPolicy.Strict,
                $"{KnownHostsFileTests.HashedWeb01Port2222} ecdsa-sha2-nistp256 {TestKeys.Ecdsa256}",
                $"[web01]:2222,[web02]:2222 rsa-sha2-512 {TestKeys.Rsa}",
                $"web01 ssh-ed25519 {TestKeys.Ed25519}",
                $"@revoked [web01]:2222 ssh-ed25519 {TestKeys.Ed25519}",
                $"[web*]:2222 ecdsa-sha2-nistp256 {TestKeys.Ecdsa256}");
            Assert.Equal(new[] { "ecdsa-sha2-nistp256", "ssh-rsa" }, verifier.KnownKeyTypes);
        }

        [Theory]
        [InlineData(HostKeyPolicy.AcceptNew)]
        [InlineData(HostKeyPolicy.Strict)]
        [InlineData(HostKeyPolicy.Ignore)]
        public void AnOfferThatIsNotAKeyIsRefusedUnderEveryPolicy(HostKeyPolicy policy)
        {
            var verifier = Verifier(policy);
            Assert.False(verifier.Verify(new HostKeyOffer("ssh-ed25519", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3 })));
            Assert.Equal(HostKeyVerdict.Malformed, verifier.Verdict);
            Assert.Equal(ErrorIds.HostKeyUnknown, verifier.Rejection()!.ErrorId);
            verifier.RecordIfNew();
            Assert.False(File.Exists(_path) && File.ReadAllText(_path).Trim().Length > 0);
        }

        [Fact]
        public void RefusesARevokedKeyEvenUnderIgnore()
        {
            var verifier = Verifier(HostKeyPolicy.Ignore, $"@revoked * ssh-ed25519 {KnownHostsFileTests.KeyBase64}");
            Assert.False(verifier.Verify(Offer(Known)));
            Assert.Equal(ErrorIds.HostKeyRevoked, verifier.Rejection()!.ErrorId);
        }

        [Fact]
        public void AReKeyMustPresentTheSameKey()
        {
            var verifier = Verifier(HostKeyPolicy.AcceptNew);
            Assert.True(verifier.Verify(Offer(Known)));
            Assert.True(verifier.Verify(Offer(Known)));
            Assert.False(verifier.Verify(Offer(Other)));
        }
    }
}
