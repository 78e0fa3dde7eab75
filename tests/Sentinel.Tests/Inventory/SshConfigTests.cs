using System;
using System.IO;
using System.Linq;
using Sentinel.HostKeys;
using Sentinel.Inventory;
using Xunit;

namespace Sentinel.Tests.Inventory
{
    public sealed class SshConfigTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "ssh-config-" + Guid.NewGuid().ToString("N"));

        public SshConfigTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private SshConfig Load(string text, string name = "config")
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllText(path, text);
            return SshConfig.Load(path);
        }

        [Fact]
        public void TheFirstValueWinsAcrossBlocksAndIdentityFilesAccumulate()
        {
            var config = Load("Host web*\n  Port 2200\n  IdentityFile ~/.ssh/web\nHost *\n  Port 22\n  User ops\n  IdentityFile /keys/%h\n");
            var web = config.Resolve("web01");
            Assert.Equal(2200, web.Port);
            Assert.Equal("ops", web.User);
            Assert.Equal(2, web.IdentityFiles.Count);
            Assert.EndsWith(Path.Combine(".ssh", "web"), web.IdentityFiles[0]);
            Assert.Equal("/keys/web01", web.IdentityFiles[1]);
            Assert.Equal(22, config.Resolve("db01").Port);
        }

        [Fact]
        public void KexAlgorithmsAndCiphersAreKeptAsWrittenFirstValueWinning()
        {
            var config = Load("Host fleet-*\n  KexAlgorithms curve25519-sha256\n  Ciphers ^aes256-gcm@openssh.com\nHost *\n  KexAlgorithms +diffie-hellman-group14-sha1\n");
            var fleet = config.Resolve("fleet-07");
            Assert.Equal("curve25519-sha256", fleet.KexAlgorithms);
            Assert.Equal("^aes256-gcm@openssh.com", fleet.Ciphers);
            Assert.Equal("+diffie-hellman-group14-sha1", config.Resolve("db01").KexAlgorithms);
            Assert.Null(config.Resolve("db01").Ciphers);
        }

        [Fact]
        public void NegatedPatternsExcludeAndHostNameExpandsPercentH()
        {
            var config = Load("Host *.internal !bastion.internal\n  HostName %h.example.com\n");
            Assert.Equal("db.internal.example.com", config.Resolve("db.internal").HostName);
            Assert.Null(config.Resolve("bastion.internal").HostName);
        }

        [Fact]
        public void ReadsKeywordEqualsValueQuotesAndCase()
        {
            var config = Load("HOST prod\n  port=2022\n  User \"deploy user\"\n  stricthostkeychecking accept-new\n  ProxyJump none\n");
            var prod = config.Resolve("PROD");
            Assert.Equal(2022, prod.Port);
            Assert.Equal("deploy user", prod.User);
            Assert.Equal(HostKeyPolicy.AcceptNew, prod.StrictHostKeyChecking);
            Assert.Null(prod.ProxyJump);
        }

        [Theory]
        [InlineData("yes", HostKeyPolicy.Strict)]
        [InlineData("ask", HostKeyPolicy.Strict)]
        [InlineData("no", HostKeyPolicy.Ignore)]
        [InlineData("accept-new", HostKeyPolicy.AcceptNew)]
        public void MapsStrictHostKeyChecking(string value, HostKeyPolicy expected)
            => Assert.Equal(expected, Load($"Host *\n  StrictHostKeyChecking {value}\n").Resolve("x").StrictHostKeyChecking);

        [Fact]
        public void FollowsIncludeInsideAHostBlockOnlyForThatBlock()
        {
            File.WriteAllText(Path.Combine(_folder, "web.conf"), "Port 8022\n");
            var config = Load($"Host web\n  Include {Path.Combine(_folder, "*.conf")}\nHost *\n  Port 22\n");
            Assert.Equal(8022, config.Resolve("web").Port);
            Assert.Equal(22, config.Resolve("other").Port);
        }

        [Fact]
        public void WarnsWithFileAndLineAndIgnoresUnknownKeywordsAndMatchBlocks()
        {
            var config = Load("ForwardAgent yes\nHost a\n  Port nope\n  User\nMatch exec \"true\"\n  Port 1\nHost b\n  Port 3\n");
            var a = config.Resolve("a");
            Assert.Null(a.Port);
            Assert.Equal(3, config.Resolve("b").Port);
            Assert.Null(config.Resolve("anything").Port);
            Assert.Contains(config.Warnings, w => w.Contains("config line 3") && w.Contains("nope"));
            Assert.Contains(config.Warnings, w => w.Contains("config line 4") && w.Contains("no value"));
            Assert.Contains(config.Warnings, w => w.Contains("config line 5") && w.Contains("Match"));
            Assert.DoesNotContain(config.Warnings, w => w.Contains("ForwardAgent"));
        }

        [Fact]
        public void ListsAliasesWithoutWildcards() =>
            Assert.Equal(new[] { "prod", "staging" }, Load("Host prod staging\nHost *.internal !x\n").HostAliases.ToArray());

        [Fact]
        public void AMissingFileIsAnEmptyConfiguration() => Assert.Null(SshConfig.Load(Path.Combine(_folder, "absent")).Resolve("x").Port);
    }
}
