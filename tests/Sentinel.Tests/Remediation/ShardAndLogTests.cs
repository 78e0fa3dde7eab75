using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Inventory;
using Sentinel.Results;
using Sentinel.Services;
using Sentinel.Tests.Fakes;
using Xunit;

namespace Sentinel.Tests.Remediation
{
    public sealed class InventoryShardTests
    {
        private static readonly string[] Names = Enumerable.Range(1, 500).Select(i => $"web{i:000}").ToArray();

        [Fact]
        public void ShardsAreDisjointCoverTheInventoryAndAreBalanced()
        {
            var shards = Enumerable.Range(1, 4).Select(k => Names.Where(n => new InventoryShard(k, 4).Contains(n)).ToList()).ToList();
            Assert.Equal(Names.Length, shards.Sum(s => s.Count));
            Assert.Equal(Names.OrderBy(n => n), shards.SelectMany(s => s).OrderBy(n => n));
            Assert.All(shards, s => Assert.InRange(s.Count, 90, 160));
        }

        [Fact]
        public void AServersShardDependsOnlyOnItsNameAnyCase()
        {
            Assert.Equal(InventoryShard.ShardOf("web001", 7), InventoryShard.ShardOf("WEB001", 7));
            Assert.All(Names, n => Assert.InRange(InventoryShard.ShardOf(n, 7), 1, 7));
            Assert.All(Names, n => Assert.Equal(1, InventoryShard.ShardOf(n, 1)));
        }

        [Fact]
        public void AddingARunnerMovesOnlyTheServersTheNewShardWins()
        {
            var moved = Names.Where(n => InventoryShard.ShardOf(n, 4) != InventoryShard.ShardOf(n, 5)).ToList();
            Assert.All(moved, n => Assert.Equal(5, InventoryShard.ShardOf(n, 5)));
            Assert.InRange(moved.Count, 60, 140); // about a fifth of 500, where modulo hashing would move about 4 in 5
        }

        [Theory]
        [InlineData("0/3")]
        [InlineData("4/3")]
        [InlineData("1/0")]
        [InlineData("1/3\n")]
        [InlineData("a/b")]
        [InlineData("1/2000")]
        public void RefusesWhatIsNotKOfN(string text) => Assert.Equal(ErrorIds.InvalidArgument, Assert.Throws<SentinelException>(() => InventoryShard.Parse(text)).ErrorId);
    }

    public sealed class ServiceLogTests
    {
        [Fact]
        public void TheJournalCommandIsSimpleSoSudoGoesRightBeforeJournalctl()
        {
            var command = ServiceLogs.Journal("nginx.service", 50, new DateTime(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc));
            Assert.Equal("journalctl --no-pager --quiet -o short-iso -n 50 --since @1795600800 -u 'nginx.service'", command);
            Assert.False(Sentinel.Execution.SudoCommandLine.RunsThroughShell(command));
        }

        [Fact]
        public async Task OnSystemdTheJournalIsReadUnderSudoOnlyWhenTheUserCannotReadIt()
        {
            foreach (var readable in new[] { true, false })
            {
                var host = ScriptedServiceHost.OnRequest(request => request.Command == ServiceLogs.JournalReadable ? (readable ? 0 : 1, "", "") : (0, "line 1\nline 2\n", ""));
                var log = await host.Controller().LogAsync(ServiceManager.Systemd, "nginx.service", 2, null, 1024);
                Assert.Equal("journal", log.Source);
                Assert.Equal(!readable, log.Sudo);
                Assert.Equal(!readable, host.Asked.Single(r => r.Command.StartsWith("journalctl", StringComparison.Ordinal)).Sudo);
                Assert.Equal(new[] { "line 1", "line 2" }, log.Lines);
            }
        }

        [Fact]
        public async Task OnSysVTheFirstExistingKnownFileIsReadUnderSudoWhenNotReadable()
        {
            var host = ScriptedServiceHost.OnRequest(request => request.Command.StartsWith("if [ -e", StringComparison.Ordinal) ? (ServiceLogs.FileNeedsSudo + 1, "", "") : (0, "Accepted publickey\n", ""));
            var log = await host.Controller().LogAsync(ServiceManager.SysV, "sshd", 10, null, 1024);
            Assert.Equal("/var/log/secure", log.Source);
            Assert.True(log.Sudo);
            Assert.Equal("tail -n 10 -- '/var/log/secure'", host.Asked.Last().Command);
            Assert.True(host.Asked.Last().Sudo);
        }

        [Fact]
        public async Task AServiceWithoutAKnownLogOrWithoutAnyOfItsFilesIsServiceLogUnknown()
        {
            var host = new ScriptedServiceHost(command => (1, "", ""));
            Assert.Equal(ErrorIds.ServiceLogUnknown, (await Assert.ThrowsAsync<SentinelException>(() => host.Controller().LogAsync(ServiceManager.SysV, "postgresql", 10, null, 1024))).ErrorId);
            Assert.Empty(host.Asked);
            Assert.Equal(ErrorIds.ServiceLogUnknown, (await Assert.ThrowsAsync<SentinelException>(() => host.Controller().LogAsync(ServiceManager.OpenRC, "nginx", 10, null, 1024))).ErrorId);
        }

        [Fact]
        public async Task TheLogIsReadWithTheCallersBound()
        {
            // The runner keeps the bound (and, under sudo, still reads sudo's own refusals whole:
            // CommandRunnerTests.ReadsSudosRefusalWhateverMaxOutputBytesKeepsAndCutsTheResultToIt).
            var host = new ScriptedServiceHost(command => command.StartsWith("if", StringComparison.Ordinal) ? (ServiceLogs.FileReadable, "", "") : (0, "x", ""));
            await host.Controller().LogAsync(ServiceManager.SysV, "nginx", 10, null, 100);
            Assert.Equal(100, host.Asked.Last().MaxOutputBytes);
        }
    }

    public sealed class InventoryServicesTests : IDisposable
    {
        private readonly string _path = Path.Combine(Path.GetTempPath(), "sentinel-inv-" + Guid.NewGuid().ToString("N") + ".json");

        public void Dispose() => File.Delete(_path);

        [Fact]
        public void ServicesAreSavedAndLoaded()
        {
            ServerInventory.Save(_path, new[] { new ServerEntry("web01", "10.0.0.1") { Services = new[] { "nginx", "ssh" } } });
            Assert.Equal(new[] { "nginx", "ssh" }, ServerInventory.Load(_path).Single().Services);
        }

        [Theory]
        [InlineData("[\"nginx; touch /tmp/x\"]")]
        [InlineData("[\"nginx\\n\"]")]
        [InlineData("[3]")]
        [InlineData("\"nginx\"")]
        public void AServiceNameThatCouldReachAShellIsInventoryInvalid(string services)
        {
            File.WriteAllText(_path, "{\"servers\": [{\"name\": \"web01\", \"computerName\": \"10.0.0.1\", \"services\": " + services + "}]}");
            Assert.Equal(ErrorIds.InventoryInvalid, Assert.Throws<SentinelException>(() => ServerInventory.Load(_path)).ErrorId);
        }
    }
}
