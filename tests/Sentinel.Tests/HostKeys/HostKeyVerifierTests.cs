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
            return new HostKeyVerifier("web01", 2222, policy, KnownHostsFile.Load(_path));
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

        [Fact]
        public void AKeyOfAnotherTypeIsUnknownNotAMismatch()
        {
            var verifier = Verifier(HostKeyPolicy.AcceptNew, $"[web01]:2222 ecdsa-sha2-nistp256 {KnownHostsFileTests.KeyBase64}");
            Assert.True(verifier.Verify(Offer(Known)));
            Assert.Equal(HostKeyVerdict.AcceptedNew, verifier.Verdict);
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
