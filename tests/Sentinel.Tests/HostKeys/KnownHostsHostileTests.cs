using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Xunit;

namespace Sentinel.Tests.HostKeys
{
    /// <summary>known_hosts is read on every connection: no content or file may crash or hang it.</summary>
    public sealed class KnownHostsHostileTests : IDisposable
    {
        private static readonly string GoodLine = $"[web01]:2222 ssh-rsa {TestKeys.Rsa}";
        private readonly string _path = Path.Combine(Path.GetTempPath(), "known_hosts-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_path))
            {
                Directory.Delete(_path);
            }

            File.Delete(_path);
        }

        private KnownHostsFile Load() => KnownHostsFile.Load(_path, "web01");

        [Fact]
        public void AFolderIsAnUnreadableErrorNamingTheHost()
        {
            Directory.CreateDirectory(_path);
            var error = Assert.Throws<SentinelException>(Load);
            Assert.Equal(ErrorIds.KnownHostsUnreadable, error.ErrorId);
            Assert.Equal("web01", error.ComputerName);
            Assert.Contains(_path, error.Message);
            Assert.NotNull(error.RecommendedAction);
        }

        [Fact]
        public void AnEndlessFileIsAnErrorNotAHang()
        {
            if (!File.Exists("/dev/zero"))
            {
                return; // Not a Unix machine: there is no endless file to read.
            }

            var clock = Stopwatch.StartNew();
            var error = Assert.Throws<SentinelException>(() => KnownHostsFile.Load("/dev/zero", "web01"));
            Assert.Equal(ErrorIds.KnownHostsUnreadable, error.ErrorId);
            Assert.Contains("larger than", error.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        }

        [Fact]
        public void AHugeLineIsSkippedAndTheNextLineStillCounts()
        {
            var huge = "[web01]:2222 ssh-rsa " + new string('A', KnownHostsFile.MaxLineChars * 3);
            File.WriteAllText(_path, huge + "\n" + GoodLine + "\n");
            var entry = Assert.Single(Load().EntriesFor("[web01]:2222"));
            Assert.Equal(2, entry.LineNumber);
            Assert.Equal("ssh-rsa", entry.KeyType);
        }

        [Fact]
        public void ReadsWindowsLineEndsAndNoFinalNewline()
        {
            File.WriteAllText(_path, "# c\r\n" + GoodLine + "\r\n" + $"[web01]:2222 ssh-ed25519 {TestKeys.Ed25519}");
            Assert.Equal(new[] { 2, 3 }, Load().EntriesFor("[web01]:2222").Select(e => e.LineNumber));
        }

        [Theory]
        [InlineData("ssh-ed25519", TestKeys.Rsa)]
        [InlineData("ecdsa-sha2-nistp384", TestKeys.Ecdsa256)]
        [InlineData("ssh-rsa-cert-v01@openssh.com", TestKeys.Rsa)]
        [InlineData("ssh-rsa", "AAAAB3NzaC1yc2E=")]
        [InlineData("ssh-rsa", "////")]
        [InlineData("ssh-rsa", "AAAAB3Nza C1yc2E")]
        public void SkipsAKeyWhoseBlobDisagreesWithItsTypeOrIsNoKey(string type, string key)
        {
            File.WriteAllText(_path, $"[web01]:2222 {type} {key}\n");
            Assert.Empty(Load().Entries);
        }

        [Fact]
        public void DeepGarbageNeverMatchesAndNeverHangs()
        {
            var lines = new[]
            {
                new string('[', 50000) + " ssh-rsa " + TestKeys.Rsa,
                string.Concat(Enumerable.Repeat("*a", 20000)) + "b ssh-rsa " + TestKeys.Rsa,
                string.Join(",", Enumerable.Repeat("!*", 10000)) + " ssh-rsa " + TestKeys.Rsa,
                "|1|||| ssh-rsa " + TestKeys.Rsa,
                "|1|!!!!|????| ssh-rsa " + TestKeys.Rsa,
                "|1|" + new string('A', 40000) + "=|AAAA| ssh-rsa " + TestKeys.Rsa,
                "@revoked",
                "@revoked @revoked @revoked",
                "@cert-authority",
                new string('@', 1000),
                "\0\0\0 ssh-rsa \0",
            };
            File.WriteAllLines(_path, lines);
            var clock = Stopwatch.StartNew();
            var file = Load();
            Assert.Empty(file.EntriesFor("[web01]:2222"));
            Assert.Empty(file.EntriesFor(string.Concat(Enumerable.Repeat("a", 30000))));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        }

        [Fact]
        public void RandomBinaryContentNeverThrows()
        {
            var random = new Random(1101);
            for (var i = 0; i < 200; i++)
            {
                var bytes = new byte[random.Next(0, 4096)];
                random.NextBytes(bytes);
                File.WriteAllBytes(_path, bytes);
                foreach (var entry in Load().Entries)
                {
                    entry.Matches("[web01]:2222");
                }
            }
        }

        [Fact]
        public void MutatedKeyLinesNeverThrowAndKeepTheBlobsType()
        {
            var random = new Random(1102);
            var seeds = new[]
            {
                GoodLine,
                $"{KnownHostsFileTests.HashedWeb01Port2222} ecdsa-sha2-nistp256 {TestKeys.Ecdsa256}",
                $"@revoked web01,[web01]:2222 ssh-ed25519 {TestKeys.Ed25519} comment",
                $"*.example.com,!bad.example.com ecdsa-sha2-nistp521 {TestKeys.Ecdsa521}",
            };
            const string alphabet = "ABCabc019+/=|,![]*?@# \t:\0\u00e9\r";
            var lines = new StringBuilder();
            for (var i = 0; i < 5000; i++)
            {
                var line = new StringBuilder(seeds[random.Next(seeds.Length)]);
                for (var edits = random.Next(1, 6); edits > 0 && line.Length > 0; edits--)
                {
                    var at = random.Next(line.Length);
                    switch (random.Next(3))
                    {
                        case 0:
                            line[at] = alphabet[random.Next(alphabet.Length)];
                            break;
                        case 1:
                            line.Remove(at, random.Next(1, Math.Min(20, line.Length - at) + 1));
                            break;
                        default:
                            line.Insert(at, alphabet[random.Next(alphabet.Length)]);
                            break;
                    }
                }

                lines.Append(line).Append('\n');
            }

            File.WriteAllText(_path, lines.ToString(), new UTF8Encoding(false));
            foreach (var entry in Load().Entries)
            {
                Assert.Equal(SshKeyBlob.KeyType(entry.Key), entry.KeyType);
                entry.Matches("[web01]:2222");
            }
        }
    }
}
