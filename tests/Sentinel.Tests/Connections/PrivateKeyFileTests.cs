using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Sentinel.Errors;
using Sentinel.Module;
using Xunit;

namespace Sentinel.Tests.Connections
{
    /// <summary>Key files through the real SSH adapter: what is not a readable key is a Sentinel error for the host, never a raw exception or a hang.</summary>
    public sealed class PrivateKeyFileTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "keys-" + Guid.NewGuid().ToString("N"));

        public PrivateKeyFileTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private static SentinelException LoadFails(string path)
            => Assert.Throws<SentinelException>(() => SshAdapterLoader.Transport.LoadPrivateKey(path, null, "web01"));

        private string Write(string name, string text)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllText(path, text);
            return path;
        }

        private static string RsaPem() => PemEncoding.WriteString("RSA PRIVATE KEY", RSA.Create(2048).ExportRSAPrivateKey());

        private static string EcdsaPem() => PemEncoding.WriteString("EC PRIVATE KEY", ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportECPrivateKey());

        [Fact]
        public void ReadsRsaAndEcdsaKeys()
        {
            Assert.Equal("ssh-rsa", SshAdapterLoader.Transport.LoadPrivateKey(Write("rsa", RsaPem()), null, "web01").KeyType);
            Assert.Equal("ecdsa-sha2-nistp256", SshAdapterLoader.Transport.LoadPrivateKey(Write("ecdsa", EcdsaPem()), null, "web01").KeyType);
        }

        [Fact]
        public void AFolderIsKeyFileUnreadableForTheHost()
        {
            var error = LoadFails(_folder);
            Assert.Equal((ErrorIds.KeyFileUnreadable, "web01"), (error.ErrorId, error.ComputerName));
            Assert.Contains("folder", error.Message);
            Assert.NotNull(error.RecommendedAction);
        }

        [Fact]
        public void AnEmptyFileOrAPipeIsKeyFileInvalidAtOnceWithoutWaitingForAWriter()
        {
            Assert.Equal(ErrorIds.KeyFileInvalid, LoadFails(Write("empty", string.Empty)).ErrorId);

            var fifo = Path.Combine(_folder, "fifo");
            using (var mkfifo = Process.Start("mkfifo", fifo))
            {
                mkfifo.WaitForExit();
            }

            var clock = Stopwatch.StartNew();
            Assert.Equal(ErrorIds.KeyFileInvalid, LoadFails(fifo).ErrorId);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
        }

        [Fact]
        public void GarbageTruncatedAndMutatedKeysOnlyEverEndInASentinelError()
        {
            var path = Path.Combine(_folder, "key");
            var inputs = new[] { RsaPem(), EcdsaPem() }
                .SelectMany(pem => Enumerable.Range(0, 60).Select(i => pem.Substring(0, pem.Length * i / 60)).Concat(HostileInput.Random(pem, 100)))
                .Concat(new[] { new string('[', 100_000), "-----BEGIN OPENSSH PRIVATE KEY-----\n" + new string('A', 500_000) + "\n-----END OPENSSH PRIVATE KEY-----\n" });
            HostileInput.EachEndsIn<SentinelException>(inputs, text =>
            {
                File.WriteAllText(path, text, new UTF8Encoding(false));
                SshAdapterLoader.Transport.LoadPrivateKey(path, null, "web01");
            });
        }
    }
}
