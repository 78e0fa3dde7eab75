using System;
using System.IO;
using System.Linq;
using Sentinel.Errors;
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

        [Fact]
        public void AMissingFileTheUserNamedIsAnErrorForEachHost()
        {
            var error = Assert.Throws<SentinelException>(() => SshConfig.Load(Path.Combine(_folder, "absent"), mustExist: true).Resolve("web"));
            Assert.Equal((ErrorIds.SshConfigInvalid, "web"), (error.ErrorId, error.ComputerName));
            Assert.Contains("does not exist", error.Message);
        }

        [Fact]
        public void AFileThatIsNotTextOrAFolderIsAnErrorNamingTheHostAndTheFile()
        {
            var binary = Path.Combine(_folder, "binary");
            File.WriteAllBytes(binary, new byte[] { 0x48, 0x6f, 0x73, 0x74, 0x20, 0x61, 0x00, 0xff, 0x01 });
            var error = Assert.Throws<SentinelException>(() => SshConfig.Load(binary).Resolve("web"));
            Assert.Equal((ErrorIds.SshConfigInvalid, "web"), (error.ErrorId, error.ComputerName));
            Assert.Contains(binary, error.Message);
            Assert.Contains("NUL", error.Message);
            Assert.NotNull(error.RecommendedAction);
            Assert.Empty(SshConfig.Load(binary).HostAliases);

            error = Assert.Throws<SentinelException>(() => SshConfig.Load(_folder).Resolve("web"));
            Assert.Contains("folder", error.Message);
        }

        [Fact]
        public void AnIncludedFileThatCannotBeUsedFailsTheWholeConfigurationNamingTheIncludeLine()
        {
            File.WriteAllBytes(Path.Combine(_folder, "bad.conf"), new byte[] { 0, 1, 2 });
            var error = Assert.Throws<SentinelException>(() => Load($"Host web\n  Port 22\nInclude {Path.Combine(_folder, "bad.conf")}\n").Resolve("web"));
            Assert.Contains("config line 3", error.Message);
        }

        [Fact]
        public void IncludeLoopsEndWithAWarning()
        {
            File.WriteAllText(Path.Combine(_folder, "a.conf"), $"Include {Path.Combine(_folder, "b.conf")}\nHost a\n  Port 2201\n");
            File.WriteAllText(Path.Combine(_folder, "b.conf"), $"Include {Path.Combine(_folder, "a.conf")}\nInclude {Path.Combine(_folder, "a.conf")}\n");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var config = Load($"Include {Path.Combine(_folder, "a.conf")}\nInclude {Path.Combine(_folder, "config")}\n");
            Assert.True(clock.Elapsed < HostileInput.Bound);
            Assert.Equal(2201, config.Resolve("a").Port);
            Assert.Contains(config.Warnings, w => w.Contains("includes itself"));
        }

        [Fact]
        public void ADiamondOfIncludesReadsABoundedNumberOfFiles()
        {
            // Each level includes the next twice: 2^16 reads without a bound on files read.
            for (var level = 0; level < 16; level++)
            {
                var next = Path.Combine(_folder, $"level{level + 1}.conf");
                File.WriteAllText(Path.Combine(_folder, $"level{level}.conf"), $"Include {next}\nInclude {next}\n");
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var config = Load($"Include {Path.Combine(_folder, "level0.conf")}\n");
            Assert.True(clock.Elapsed < HostileInput.Bound);
            Assert.Contains(config.Warnings, w => w.Contains("more than 256 files"));
        }

        [Fact]
        public void KeywordsThatChangeTheConnectionButAreNotImplementedWarnWithFileAndLineOncePerLine()
        {
            var config = Load("Host web*\n  ProxyCommand ssh -W %h:%p gw\n  HostKeyAlias web\nHost db\n  ProxyCommand none\n  IdentityAgent none\n  HostKeyAlias db\nHost *\n  ForwardAgent yes\n  ProxyCommand nc %h %p\n");
            config.Resolve("web1");
            config.Resolve("web2");
            config.Resolve("db");
            Assert.Single(config.Warnings, w => w.Contains("config line 2") && w.Contains("ProxyCommand is not supported"));
            Assert.Single(config.Warnings, w => w.Contains("config line 3") && w.Contains("HostKeyAlias"));
            Assert.Single(config.Warnings, w => w.Contains("config line 7") && w.Contains("HostKeyAlias"));
            Assert.DoesNotContain(config.Warnings, w => w.Contains("IdentityAgent"));
            Assert.DoesNotContain(config.Warnings, w => w.Contains("line 5") || w.Contains("line 6") || w.Contains("line 10") || w.Contains("ForwardAgent"));
            Assert.Empty(Load("Host other\n  ProxyCommand nc %h %p\n").Warnings);
        }

        [Fact]
        public void ReadsTheAgentKeywords()
        {
            var config = Load("Host db\n  IdentityAgent ~/agent.sock\n  IdentitiesOnly yes\nHost env\n  IdentityAgent $MY_AGENT\nHost *\n  IdentityAgent none\n");
            var db = config.Resolve("db");
            Assert.EndsWith("agent.sock", db.IdentityAgent);
            Assert.DoesNotContain("~", db.IdentityAgent);
            Assert.True(db.IdentitiesOnly);
            Assert.Equal("$MY_AGENT", config.Resolve("env").IdentityAgent);
            Assert.Equal("none", config.Resolve("other").IdentityAgent);
            Assert.False(config.Resolve("other").IdentitiesOnly);
        }

        [Fact]
        public void WarningsAreCappedWithACountOfTheRest()
        {
            var config = Load(string.Concat(Enumerable.Range(0, 500).Select(i => $"Keyword{i}\n")));
            Assert.Equal(51, config.Warnings.Count);
            Assert.StartsWith("More ssh_config warnings are not shown", config.Warnings.Last());
        }

        [Fact]
        public void HostileConfigTextEndsInWarningsOrASentinelError()
        {
            const string sample = "Host prod web-*\n  HostName 10.0.0.5\n  Port=2222\n  User \"ops user\"\n  ProxyJump a@b:22,c\n  IdentityFile ~/.ssh/%h\nMatch all\nInclude none*\nHost *\n  StrictHostKeyChecking accept-new\n";
            var path = Path.Combine(_folder, "hostile");
            HostileInput.EachEndsIn<SentinelException>(HostileInput.Structured(sample).Concat(HostileInput.Random(sample)), text =>
            {
                File.WriteAllText(path, text);
                var config = SshConfig.Load(path);
                _ = config.HostAliases.ToList();
                config.Resolve("web-1");
            });
        }
    }
}
