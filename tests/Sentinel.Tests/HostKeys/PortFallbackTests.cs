using System;
using System.IO;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.HostKeys
{
    /// <summary>
    /// A host on another port than 22 is looked up as <c>[host]:port</c>; when known_hosts has no line of
    /// that name for the key, ssh tries the line of the name without the port (sshconnect.c
    /// check_host_key, "found matching key w/out port"). Each case was checked against ssh 9.2.
    /// </summary>
    public sealed class PortFallbackTests : IDisposable
    {
        private static readonly byte[] Key = TestKeys.Bytes(TestKeys.Ed25519);
        private static readonly byte[] Other = TestKeys.Changed(TestKeys.Ed25519);
        private readonly string _path = Path.Combine(Path.GetTempPath(), "known_hosts-" + Guid.NewGuid().ToString("N"));

        public void Dispose() => File.Delete(_path);

        private HostKeyVerifier Verifier(HostKeyPolicy policy, params string[] lines) => Verifier(policy, 2222, lines);

        private HostKeyVerifier Verifier(HostKeyPolicy policy, int port, params string[] lines)
        {
            File.WriteAllLines(_path, lines);
            return new HostKeyVerifier("web01", port, policy, KnownHostsFile.Load(_path, "web01"));
        }

        private static HostKeyOffer Offer(byte[] key) => new HostKeyOffer("ssh-ed25519", key);

        [Theory]
        [InlineData("web01")]
        [InlineData("web0?,!web02")]
        [InlineData("hashed")]
        public void StrictTrustsTheKeyOfTheNameWithoutThePortAndRecordsNothing(string hosts)
        {
            var verifier = Verifier(HostKeyPolicy.Strict, "# keys", $"{(hosts == "hashed" ? HashedName("web01") : hosts)} ssh-ed25519 {TestKeys.Ed25519}");
            var before = File.ReadAllBytes(_path);
            Assert.True(verifier.Verify(Offer(Key)));
            Assert.Equal(HostKeyVerdict.Known, verifier.Verdict);
            Assert.Null(verifier.Rejection());
            Assert.Contains($"'{_path}' line 2", verifier.Trust);
            Assert.Contains("'web01' without the port", verifier.Trust);
            Assert.Contains("without the port", verifier.Describe());
            verifier.RecordIfNew();
            Assert.Equal(before, File.ReadAllBytes(_path));
        }

        [Fact]
        public void TheKeyTypesOfTheNameWithoutThePortAreOfferedFirstWhenThePortHasNone()
        {
            Assert.Equal(new[] { "ssh-rsa" }, Verifier(HostKeyPolicy.Strict, $"web01 ssh-rsa {TestKeys.Rsa}").KnownKeyTypes);
            Assert.Equal(new[] { "ecdsa-sha2-nistp256" }, Verifier(HostKeyPolicy.Strict, $"web01 ssh-rsa {TestKeys.Rsa}", $"[web01]:2222 ecdsa-sha2-nistp256 {TestKeys.Ecdsa256}").KnownKeyTypes);
        }

        [Fact]
        public void StrictRefusesAnotherKeyUnderTheNameWithoutThePortAsUnknownNotChangedAsSshDoes()
        {
            // ssh: "No ED25519 host key is known for [web01]:2222 and you have requested strict checking."
            var verifier = Verifier(HostKeyPolicy.Strict, $"web01 ssh-ed25519 {TestKeys.Ed25519}");
            Assert.False(verifier.Verify(Offer(Other)));
            Assert.Equal(HostKeyVerdict.Unknown, verifier.Verdict);
            var error = verifier.Rejection()!;
            Assert.Equal(ErrorIds.HostKeyUnknown, error.ErrorId);
            Assert.Contains("[web01]:2222", error.Message);
            Assert.Contains($"'web01' without the port (line 1) holds another key, ssh-ed25519 {TestKeys.Ed25519Fingerprint}", error.Message);
        }

        [Fact]
        public void AcceptNewRecordsAnotherKeyThanTheNameWithoutThePortUnderHostAndPortAsSshDoes()
        {
            // Two servers on one host (sshd on 22, a container on 2222) have two keys: ssh adds [web01]:2222.
            var verifier = Verifier(HostKeyPolicy.AcceptNew, $"web01 ssh-ed25519 {TestKeys.Ed25519}");
            Assert.True(verifier.Verify(Offer(Other)));
            Assert.Equal(HostKeyVerdict.AcceptedNew, verifier.Verdict);
            verifier.RecordIfNew();
            Assert.Equal(new[] { $"web01 ssh-ed25519 {TestKeys.Ed25519}", $"[web01]:2222 ssh-ed25519 {Convert.ToBase64String(Other)}" }, File.ReadAllLines(_path));
        }

        [Theory]
        [InlineData(HostKeyPolicy.Strict)]
        [InlineData(HostKeyPolicy.AcceptNew)]
        public void AKeyOfAnotherTypeUnderTheNameWithoutThePortIsNewNotChanged(HostKeyPolicy policy)
        {
            var verifier = Verifier(policy, $"web01 ecdsa-sha2-nistp256 {TestKeys.Ecdsa256}");
            Assert.Equal(policy == HostKeyPolicy.AcceptNew, verifier.Verify(Offer(Key)));
            Assert.Equal(policy == HostKeyPolicy.AcceptNew ? HostKeyVerdict.AcceptedNew : HostKeyVerdict.Unknown, verifier.Verdict);
        }

        [Theory]
        [InlineData(HostKeyPolicy.Strict)]
        [InlineData(HostKeyPolicy.AcceptNew)]
        public void AChangedKeyUnderHostAndPortIsAMismatchWhateverTheNameWithoutThePortHolds(HostKeyPolicy policy)
        {
            var verifier = Verifier(policy, $"[web01]:2222 ssh-ed25519 {Convert.ToBase64String(Other)}", $"web01 ssh-ed25519 {TestKeys.Ed25519}");
            Assert.False(verifier.Verify(Offer(Key)));
            Assert.Equal(HostKeyVerdict.Mismatch, verifier.Verdict);
            Assert.Contains("line 1", verifier.Rejection()!.Message);
        }

        [Theory]
        [InlineData(HostKeyPolicy.Strict)]
        [InlineData(HostKeyPolicy.AcceptNew)]
        public void AKeyRevokedForTheNameWithoutThePortIsRefused(HostKeyPolicy policy)
        {
            // Stricter than ssh, which under accept-new warns "REVOKED HOST KEY DETECTED" and then adds the key for [web01]:2222.
            var verifier = Verifier(policy, $"@revoked web01 ssh-ed25519 {TestKeys.Ed25519}");
            var before = File.ReadAllBytes(_path);
            Assert.False(verifier.Verify(Offer(Key)));
            Assert.Equal(HostKeyVerdict.Revoked, verifier.Verdict);
            Assert.Equal(ErrorIds.HostKeyRevoked, verifier.Rejection()!.ErrorId);
            verifier.RecordIfNew();
            Assert.Equal(before, File.ReadAllBytes(_path));
        }

        [Fact]
        public void OnPort22ThereIsNoOtherName()
        {
            var verifier = Verifier(HostKeyPolicy.Strict, 22, $"[web01]:2222 ssh-ed25519 {TestKeys.Ed25519}");
            Assert.False(verifier.Verify(Offer(Key)));
            Assert.Equal(HostKeyVerdict.Unknown, verifier.Verdict);
        }

        [Fact]
        public void IgnoreStillSaysTheKeyIsKnownWithoutThePort()
        {
            var verifier = Verifier(HostKeyPolicy.Ignore, $"web01 ssh-ed25519 {TestKeys.Ed25519}");
            Assert.True(verifier.Verify(Offer(Key)));
            Assert.Equal(HostKeyVerdict.Known, verifier.Verdict);
        }

        private static string HashedName(string name)
        {
            var salt = new byte[20];
            new Random(11).NextBytes(salt);
            using (var hmac = new System.Security.Cryptography.HMACSHA1(salt))
            {
                return "|1|" + Convert.ToBase64String(salt) + "|" + Convert.ToBase64String(hmac.ComputeHash(System.Text.Encoding.UTF8.GetBytes(name)));
            }
        }
    }
}
