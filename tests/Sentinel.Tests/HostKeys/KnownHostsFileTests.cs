using System;
using System.IO;
using Sentinel.HostKeys;
using Xunit;

namespace Sentinel.Tests.HostKeys
{
    public sealed class KnownHostsFileTests : IDisposable
    {
        // A real ed25519 public key and the hashed entry ssh-keygen -H made for "[web01]:2222".
        internal const string KeyBase64 = "AAAAC3NzaC1lZDI1NTE5AAAAIHm0kLr3nGWtVnooDTGxIAtrhXYSbVg4oz/Wbo4CucuT";
        internal const string KeyFingerprint = "SHA256:aUfUZs1My3rJh2I4sX/dUytGUfWmZUnqMEyb/UC+iUY";
        internal const string HashedWeb01Port2222 = "|1|FvoHFj7kNl1uK0xnQ4S4j4u22Tk=|qJXH5w5i9uaAVA/LjgINhswjX+o=";

        private readonly string _path = Path.Combine(Path.GetTempPath(), "known_hosts-" + Guid.NewGuid().ToString("N"));

        public void Dispose() => File.Delete(_path);

        private KnownHostsFile Write(params string[] lines)
        {
            File.WriteAllLines(_path, lines);
            return KnownHostsFile.Load(_path, "web01");
        }

        [Theory]
        [InlineData("web01", 22, "web01")]
        [InlineData("Web01.Example.COM", 22, "web01.example.com")]
        [InlineData("web01", 2222, "[web01]:2222")]
        public void LookupNameFollowsOpenSsh(string host, int port, string expected)
            => Assert.Equal(expected, KnownHostsFile.LookupName(host, port));

        [Fact]
        public void MissingFileIsEmpty() => Assert.Empty(KnownHostsFile.Load(_path, "web01").Entries);

        [Fact]
        public void MatchesPlainCommaSeparatedAndBracketedNames()
        {
            var file = Write($"web01,10.0.0.5 ssh-ed25519 {KeyBase64}", $"[db01]:2222 ssh-ed25519 {KeyBase64} comment here");
            Assert.Single(file.EntriesFor("web01"));
            Assert.Single(file.EntriesFor("10.0.0.5"));
            Assert.Single(file.EntriesFor("[db01]:2222"));
            Assert.Empty(file.EntriesFor("db01"));
            Assert.Empty(file.EntriesFor("[web01]:2222"));
        }

        [Fact]
        public void MatchesWildcardsAndHonoursNegation()
        {
            var file = Write($"*.prod.example.com,!bastion.prod.example.com,web?? ssh-ed25519 {KeyBase64}");
            Assert.Single(file.EntriesFor("api.prod.example.com"));
            Assert.Single(file.EntriesFor("web42"));
            Assert.Empty(file.EntriesFor("bastion.prod.example.com"));
            Assert.Empty(file.EntriesFor("web123"));
        }

        [Fact]
        public void MatchesHashedEntriesMadeBySshKeygen()
        {
            var file = Write($"{HashedWeb01Port2222} ssh-ed25519 {KeyBase64}");
            Assert.Single(file.EntriesFor("[web01]:2222"));
            Assert.Empty(file.EntriesFor("[web01]:2223"));
            Assert.Empty(file.EntriesFor("web01"));
        }

        [Fact]
        public void SkipsCommentsBlankLinesGarbageAndUnknownMarkers()
        {
            var file = Write("# comment", "", "   ", "web01 ssh-ed25519 not-base64!", "web01", $"@cert-authorities *.example.com ssh-ed25519 {KeyBase64}", $"@cert-authority web01 ssh-ed25519", $"web01 ssh-ed25519 {KeyBase64}");
            var entry = Assert.Single(file.Entries);
            Assert.Equal(8, entry.LineNumber);
        }

        [Fact]
        public void ReadsCertAuthorityLinesAsCasNotHostKeys()
        {
            var file = Write($"@cert-authority *.example.com ssh-ed25519 {KeyBase64}");
            var entry = Assert.Single(file.EntriesFor("db.example.com"));
            Assert.True(entry.CertificateAuthority);
            Assert.False(entry.IsHostKey);
            Assert.Empty(file.EntriesFor("web01"));
        }

        [Fact]
        public void ReadsRevokedMarkers()
        {
            var file = Write($"@revoked web01 ssh-ed25519 {KeyBase64}");
            Assert.True(Assert.Single(file.EntriesFor("web01")).Revoked);
        }

        [Fact]
        public void AppendsInOpenSshFormatAndMendsAMissingFinalNewline()
        {
            File.WriteAllText(_path, $"web01 ssh-ed25519 {KeyBase64}");
            KnownHostsFile.Append(_path, "[db01]:2222", "ssh-ed25519", Convert.FromBase64String(KeyBase64));
            Assert.Equal(new[] { $"web01 ssh-ed25519 {KeyBase64}", $"[db01]:2222 ssh-ed25519 {KeyBase64}" }, File.ReadAllLines(_path));
            Assert.Equal(2, KnownHostsFile.Load(_path, "web01").Entries.Count);
        }

        [Fact]
        public void AppendCreatesTheFolder()
        {
            var folder = Path.Combine(Path.GetTempPath(), "kh-folder-" + Guid.NewGuid().ToString("N"));
            var path = Path.Combine(folder, "known_hosts");
            try
            {
                KnownHostsFile.Append(path, "web01", "ssh-ed25519", Convert.FromBase64String(KeyBase64));
                Assert.Single(KnownHostsFile.Load(path, "web01").Entries, e => e.Matches("web01"));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        [Fact]
        public void FingerprintMatchesSshKeygen()
            => Assert.Equal(KeyFingerprint, Fingerprint.Sha256(Convert.FromBase64String(KeyBase64)));
    }
}
