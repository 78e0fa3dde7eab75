using System;
using System.Linq;
using Sentinel.HostKeys;
using Xunit;

namespace Sentinel.Tests.HostKeys
{
    public sealed class SshKeyBlobTests
    {
        [Theory]
        [InlineData(TestKeys.Ed25519, "ssh-ed25519")]
        [InlineData(TestKeys.Rsa, "ssh-rsa")]
        [InlineData(TestKeys.Ecdsa256, "ecdsa-sha2-nistp256")]
        [InlineData(TestKeys.Ecdsa384, "ecdsa-sha2-nistp384")]
        [InlineData(TestKeys.Ecdsa521, "ecdsa-sha2-nistp521")]
        [InlineData(TestKeys.Ed25519Certificate, "ssh-ed25519-cert-v01@openssh.com")]
        public void TheKeyTypeIsTheBlobsFirstString(string base64, string expected)
            => Assert.Equal(expected, SshKeyBlob.KeyType(TestKeys.Bytes(base64)));

        [Theory]
        [InlineData(new byte[0])]
        [InlineData(new byte[] { 0, 0, 0 })]
        [InlineData(new byte[] { 0, 0, 0, 0, 1 })]
        [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, (byte)'s', (byte)'s', (byte)'h' })]
        [InlineData(new byte[] { 0x80, 0, 0, 7, (byte)'s', (byte)'s', (byte)'h', (byte)'-', (byte)'r', (byte)'s', (byte)'a', 1 })]
        [InlineData(new byte[] { 0, 0, 0, 7, (byte)'s', (byte)'s', (byte)'h', (byte)'-', (byte)'r', (byte)'s', (byte)'a' })]
        [InlineData(new byte[] { 0, 0, 0, 8, (byte)'s', (byte)'s', (byte)'h', (byte)'-', (byte)'r', (byte)'s', (byte)'a' })]
        [InlineData(new byte[] { 0, 0, 0, 3, (byte)'s', 0, (byte)'h', 1 })]
        [InlineData(new byte[] { 0, 0, 0, 3, (byte)'s', (byte)' ', (byte)'h', 1 })]
        [InlineData(new byte[] { 0, 0, 0, 2, 0xC3, 0xA9, 1 })]
        public void RefusesWhatIsNotAKey(byte[] blob) => Assert.Null(SshKeyBlob.KeyType(blob));

        [Fact]
        public void RefusesNullAndAnOverlongTypeName()
        {
            Assert.Null(SshKeyBlob.KeyType(null));
            var blob = new byte[4 + 65 + 8];
            blob[3] = 65;
            for (var i = 4; i < 4 + 65; i++)
            {
                blob[i] = (byte)'a';
            }

            Assert.Null(SshKeyBlob.KeyType(blob));
        }

        [Fact]
        public void EveryTruncationOfARealKeyIsRefusedOrReadsTheSameType()
        {
            var key = TestKeys.Bytes(TestKeys.Rsa);
            for (var length = 0; length < key.Length; length++)
            {
                var type = SshKeyBlob.KeyType(key.Take(length).ToArray());
                Assert.True(type == null || type == "ssh-rsa", $"length {length}: {type}");
                Assert.Equal(length > 4 + 7, type != null);
            }
        }

        [Fact]
        public void RandomBytesNeverThrow()
        {
            var random = new Random(11);
            var read = 0;
            for (var i = 0; i < 20000; i++)
            {
                var blob = new byte[random.Next(0, 48)];
                random.NextBytes(blob);
                if (i % 2 == 0 && blob.Length >= 4)
                {
                    // Plausible small lengths reach the name check, not only the length check.
                    blob[0] = blob[1] = blob[2] = 0;
                    blob[3] = (byte)random.Next(0, 48);
                }

                var type = SshKeyBlob.KeyType(blob);
                if (type != null)
                {
                    Assert.True(type.All(c => c > ' ' && c < 0x7f), type);
                    read++;
                }
            }

            // Some blobs name a type, so the check above ran.
            Assert.True(read > 0, "no blob named a type");
        }

        [Theory]
        [InlineData("rsa-sha2-512", "ssh-rsa")]
        [InlineData("rsa-sha2-256", "ssh-rsa")]
        [InlineData("ssh-rsa", "ssh-rsa")]
        [InlineData("rsa-sha2-512-cert-v01@openssh.com", "ssh-rsa")]
        [InlineData("ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519")]
        [InlineData("ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384")]
        [InlineData("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256")]
        [InlineData("ssh-ed25519", "ssh-ed25519")]
        public void PlainKeyTypeFollowsOpenSsh(string algorithm, string expected)
            => Assert.Equal(expected, SshKeyBlob.PlainKeyType(algorithm));

        private static readonly string[] Offer = { "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256" };

        [Theory]
        [InlineData("", "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256")]
        [InlineData("ssh-rsa", "rsa-sha2-512,rsa-sha2-256,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521")]
        [InlineData("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256")]
        [InlineData("ssh-rsa,ssh-ed25519", "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521")]
        [InlineData("ssh-dss", "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256")]
        public void KnownTypesComeFirstInTheOfferedOrder(string known, string expected)
        {
            var knownTypes = known.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(expected, string.Join(",", SshKeyBlob.KnownTypesFirst(Offer, knownTypes)));
        }

        [Fact]
        public void CertificateAlgorithmsFollowTheirPlainKeyType()
        {
            var ordered = SshKeyBlob.KnownTypesFirst(new[] { "ssh-ed25519-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com", "ssh-ed25519", "rsa-sha2-512" }, new[] { "ssh-rsa" });
            Assert.Equal(new[] { "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-512", "ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519" }, ordered);
        }
    }
}
