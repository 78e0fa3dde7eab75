using System;
using System.Collections.Generic;
using System.Linq;
using Sentinel.HostKeys;
using Xunit;

namespace Sentinel.Tests.HostKeys
{
    /// <summary>Certificates come from files, agents and servers: the parser reads them as hostile.</summary>
    public sealed class SshCertificateTests
    {
        // ssh-keygen -s ca -I alice@rsa -n sentinel,root -V 20260101000000Z:20260201000000Z -O force-command=/bin/true -z 42 rsa.pub
        private const string RsaUserCertificate = "AAAAHHNzaC1yc2EtY2VydC12MDFAb3BlbnNzaC5jb20AAAAgbjXR58ga7izUXSfMr4NrEnv0oE62VnNvVW1QwnQjIJ4AAAADAQABAAABAQDSaOtoiyjoE3KKsfYUv6EyUCuhiesLJD1pSwB+O18nGkHfbplla2VmZB4zF8WJHSX22/s0mz+vKRXMutsfeG/fnhSiQ5G+wXbBCZy0RWYkTyKF2/13QL+qAj5o8ixc749f/V0JydauhUuOlva6/xjkr3G9R1qbJrp5lDB1XHOO3SYicuKfZawpkT+sKi3i1sfRoVinUxWvJQKY5MX7Ct0mrTt4oOP4IHHX+Z2Uqiujjd6GNt3TI2l5ln/f5kV7P0a0pmVywJVJ4N8+WVN23NMdrrgncuYXcTGhX3JZ1M4/0dH6KrbkhfCjAQW57P1KsP6Wm5JryiRF3RJKy/1duGG7AAAAAAAAACoAAAABAAAACWFsaWNlQHJzYQAAABQAAAAIc2VudGluZWwAAAAEcm9vdAAAAABpVbkAAAAAAGl+l4AAAAAiAAAADWZvcmNlLWNvbW1hbmQAAAANAAAACS9iaW4vdHJ1ZQAAAIIAAAAVcGVybWl0LVgxMS1mb3J3YXJkaW5nAAAAAAAAABdwZXJtaXQtYWdlbnQtZm9yd2FyZGluZwAAAAAAAAAWcGVybWl0LXBvcnQtZm9yd2FyZGluZwAAAAAAAAAKcGVybWl0LXB0eQAAAAAAAAAOcGVybWl0LXVzZXItcmMAAAAAAAAAAAAAADMAAAALc3NoLWVkMjU1MTkAAAAg6JM8jrPUUoGbfU/ql4Kuwv0S54ZhQ9eMQO1iRKHl7V0AAABTAAAAC3NzaC1lZDI1NTE5AAAAQEOjPMozDBw5QsDo1ROMXBXAJNVERwIUyre7ppEjpQTtiXIE66puG3pzSjTZbyMTUnC36N3Vs3dkkDMWqEnfPw0=";
        private const string RsaKey = "AAAAB3NzaC1yc2EAAAADAQABAAABAQDSaOtoiyjoE3KKsfYUv6EyUCuhiesLJD1pSwB+O18nGkHfbplla2VmZB4zF8WJHSX22/s0mz+vKRXMutsfeG/fnhSiQ5G+wXbBCZy0RWYkTyKF2/13QL+qAj5o8ixc749f/V0JydauhUuOlva6/xjkr3G9R1qbJrp5lDB1XHOO3SYicuKfZawpkT+sKi3i1sfRoVinUxWvJQKY5MX7Ct0mrTt4oOP4IHHX+Z2Uqiujjd6GNt3TI2l5ln/f5kV7P0a0pmVywJVJ4N8+WVN23NMdrrgncuYXcTGhX3JZ1M4/0dH6KrbkhfCjAQW57P1KsP6Wm5JryiRF3RJKy/1duGG7";

        // ssh-keygen -s ca -h -I web01-host -n web01,10.0.0.1 -V 20260101000000Z:20260201000000Z ec.pub
        private const string EcdsaHostCertificate = "AAAAKGVjZHNhLXNoYTItbmlzdHAyNTYtY2VydC12MDFAb3BlbnNzaC5jb20AAAAgy/XzaiuzLHaBv22e7/aghN6tVT7Le+2/OCNTPmYmxg4AAAAIbmlzdHAyNTYAAABBBEuXPvF8jQUHY6YwhQkFO7bGp0R6CHcXc5dEg7HK/E4Qvtl/NUNVL4iKMV1LTqKFg3BBo/HLRcR2Vos2Wt5X0f4AAAAAAAAAAAAAAAIAAAAKd2ViMDEtaG9zdAAAABUAAAAFd2ViMDEAAAAIMTAuMC4wLjEAAAAAaVW5AAAAAABpfpeAAAAAAAAAAAAAAAAAAAAAMwAAAAtzc2gtZWQyNTUxOQAAACDokzyOs9RSgZt9T+qXgq7C/RLnhmFD14xA7WJEoeXtXQAAAFMAAAALc3NoLWVkMjU1MTkAAABAU0PzbBbHpmzQRfqyCm2a3UBr2SCB/ajzE8DUoyYvt2ldlNXvUdtZoF7/411YcBhTRs/Wyp+tsZzaP+jrNTJNCw==";
        private const string EcdsaKey = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEuXPvF8jQUHY6YwhQkFO7bGp0R6CHcXc5dEg7HK/E4Qvtl/NUNVL4iKMV1LTqKFg3BBo/HLRcR2Vos2Wt5X0f4=";
        private const string CaKey = "AAAAC3NzaC1lZDI1NTE5AAAAIOiTPI6z1FKBm31P6peCrsL9EueGYUPXjEDtYkSh5e1d";

        [Fact]
        public void ReadsAUserCertificate()
        {
            var cert = SshCertificate.TryParse(TestKeys.Bytes(RsaUserCertificate))!;
            Assert.Equal("ssh-rsa-cert-v01@openssh.com", cert.Type);
            Assert.Equal(SshCertificateKind.User, cert.Kind);
            Assert.Equal("alice@rsa", cert.KeyId);
            Assert.Equal(42UL, cert.Serial);
            Assert.Equal(new[] { "sentinel", "root" }, cert.Principals);
            Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), cert.ValidAfter);
            Assert.Equal(new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc), cert.ValidBefore);
            Assert.Equal(new[] { "force-command" }, cert.CriticalOptions);
            Assert.Contains("permit-pty", cert.Extensions);
            Assert.Equal(TestKeys.Bytes(RsaKey), cert.PublicKey);
            Assert.Equal(TestKeys.Bytes(CaKey), cert.SignatureKey);
            Assert.Equal(32, cert.Nonce.Length);
        }

        [Fact]
        public void ReadsAHostCertificate()
        {
            var cert = SshCertificate.TryParse(TestKeys.Bytes(EcdsaHostCertificate))!;
            Assert.Equal(SshCertificateKind.Host, cert.Kind);
            Assert.Equal("web01-host", cert.KeyId);
            Assert.Equal(new[] { "web01", "10.0.0.1" }, cert.Principals);
            Assert.Equal(TestKeys.Bytes(EcdsaKey), cert.PublicKey);
            Assert.Empty(cert.CriticalOptions);
        }

        [Fact]
        public void ReadsAnEd25519CertificateValidForever()
        {
            var cert = SshCertificate.TryParse(TestKeys.Bytes(TestKeys.Ed25519Certificate))!;
            Assert.Equal(DateTime.MaxValue, cert.ValidBefore);
            Assert.True(cert.IsValidAt(DateTime.UtcNow));
            Assert.EndsWith("to forever", cert.ValidityWindow);
        }

        [Fact]
        public void ValidityIsTheHalfOpenWindow()
        {
            var cert = SshCertificate.TryParse(TestKeys.Bytes(RsaUserCertificate))!;
            Assert.False(cert.IsValidAt(new DateTime(2025, 12, 31, 23, 59, 59, DateTimeKind.Utc)));
            Assert.True(cert.IsValidAt(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
            Assert.True(cert.IsValidAt(new DateTime(2026, 1, 31, 23, 59, 59, DateTimeKind.Utc)));
            Assert.False(cert.IsValidAt(new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc)));
            Assert.Equal("from 2026-01-01 00:00:00Z to 2026-02-01 00:00:00Z", cert.ValidityWindow);
        }

        [Theory]
        [InlineData(RsaKey)]
        [InlineData(EcdsaKey)]
        [InlineData(CaKey)]
        public void APlainKeyIsNoCertificate(string key) => Assert.Null(SshCertificate.TryParse(TestKeys.Bytes(key)));

        [Fact]
        public void EveryTruncationIsRefused()
        {
            foreach (var source in new[] { RsaUserCertificate, EcdsaHostCertificate, TestKeys.Ed25519Certificate })
            {
                var blob = TestKeys.Bytes(source);
                for (var length = 0; length < blob.Length; length++)
                {
                    Assert.Null(SshCertificate.TryParse(blob.Take(length).ToArray()));
                }
            }
        }

        [Fact]
        public void TrailingBytesAreRefused()
            => Assert.Null(SshCertificate.TryParse(TestKeys.Bytes(EcdsaHostCertificate).Concat(new byte[] { 0 }).ToArray()));

        [Theory]
        [InlineData(0x7FFFFFF0u)] // past the largest array .NET allocates
        [InlineData(0x08000000u)] // 128 MiB: allocatable, so only the allocation count catches an allocation before the check
        public void HugeLengthsAnywhereAreRefusedWithoutAllocating(uint huge)
        {
            const long Generous = 16 << 20;
            var blob = TestKeys.Bytes(RsaUserCertificate);
            var lengthFields = LengthFieldOffsets(blob);
            for (var offset = 0; offset + 4 <= blob.Length; offset++)
            {
                var hostile = (byte[])blob.Clone();
                hostile[offset] = (byte)(huge >> 24);
                hostile[offset + 1] = (byte)(huge >> 16);
                hostile[offset + 2] = (byte)(huge >> 8);
                hostile[offset + 3] = (byte)huge;

                var before = GC.GetAllocatedBytesForCurrentThread();
                var cert = SshCertificate.TryParse(hostile);
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

                Assert.True(allocated < Generous, $"offset {offset}: {allocated} bytes allocated");
                if (lengthFields.Contains(offset))
                {
                    Assert.Null(cert);
                }
            }
        }

        [Fact]
        public void AnUnknownCertificateKindIsRefused()
        {
            var blob = TestKeys.Bytes(EcdsaHostCertificate);
            var cert = SshCertificate.TryParse(blob)!;

            // The kind is the uint32 after the 8-byte serial, which follows the key fields.
            var kindOffset = Find(blob, new byte[] { 0, 0, 0, 2, 0, 0, 0, 10 });
            blob[kindOffset + 3] = 3;
            Assert.NotNull(cert);
            Assert.Null(SshCertificate.TryParse(blob));
        }

        [Fact]
        public void AnUnknownKeyTypeAndGarbageAreRefused()
        {
            var blob = TestKeys.Bytes(EcdsaHostCertificate);
            blob[4 + 1] = (byte)'x'; // "exdsa-sha2-nistp256-cert-v01@openssh.com"
            Assert.Null(SshCertificate.TryParse(blob));
            Assert.Null(SshCertificate.TryParse(null));
            Assert.Null(SshCertificate.TryParse(new byte[0]));
            var random = new Random(13);
            for (var i = 0; i < 2000; i++)
            {
                var garbage = TestKeys.Bytes(TestKeys.Ed25519Certificate);
                garbage[4 + 32 + random.Next(garbage.Length - 36)] ^= (byte)random.Next(1, 256);
                SshCertificate.TryParse(garbage);
            }
        }

        [Fact]
        public void BrokenPrincipalPackingIsRefused()
        {
            var blob = TestKeys.Bytes(EcdsaHostCertificate);
            var at = Find(blob, new byte[] { 0, 0, 0, 5, (byte)'w', (byte)'e', (byte)'b' });
            blob[at + 3] = 200; // "web01"'s length runs past the principals string
            Assert.Null(SshCertificate.TryParse(blob));
        }

        /// <summary>Where the length of each string of an ssh-rsa certificate (PROTOCOL.certkeys) starts.</summary>
        private static int[] LengthFieldOffsets(byte[] rsaCertificate)
        {
            var reader = new SshWireReader(rsaCertificate);
            var offsets = new List<int>();
            void SshString()
            {
                offsets.Add(reader.Position);
                reader.ReadBytes();
            }

            SshString(); // type
            SshString(); // nonce
            SshString(); // e
            SshString(); // n
            reader.ReadUInt64(); // serial
            reader.ReadUInt32(); // kind
            SshString(); // key id
            SshString(); // principals
            reader.ReadUInt64(); // valid after
            reader.ReadUInt64(); // valid before
            SshString(); // critical options
            SshString(); // extensions
            SshString(); // reserved
            SshString(); // CA key
            SshString(); // signature
            Assert.Equal(0, reader.Remaining);
            return offsets.ToArray();
        }

        private static int Find(byte[] haystack, byte[] needle)
        {
            for (var i = 0; i + needle.Length <= haystack.Length; i++)
            {
                if (haystack.Skip(i).Take(needle.Length).SequenceEqual(needle))
                {
                    return i;
                }
            }

            throw new InvalidOperationException("pattern not in blob");
        }
    }
}
