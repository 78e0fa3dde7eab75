using System;
using System.Collections.Generic;
using System.Globalization;
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

        private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
            name => variables.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

        public static TheoryData<string, string, string?, int?> Schedulers() => new TheoryData<string, string, string?, int?>
        {
            // index variable, total variable (null: -ShardCount gives it), the shard count passed
            { "CI_NODE_INDEX", "CI_NODE_TOTAL", "1-based", null },
            { "SYSTEM_JOBPOSITIONINPHASE", "SYSTEM_TOTALJOBSINPHASE", "1-based", null },
            { "JOB_COMPLETION_INDEX", string.Empty, "0-based", 4 },
            { "NOMAD_ALLOC_INDEX", string.Empty, "0-based", 4 },
        };

        [Theory]
        [MemberData(nameof(Schedulers))]
        public void AutoUnderEachSchedulerSplitsTheHostsIntoDisjointSharesThatCoverThemAll(string indexVariable, string totalVariable, string? numbering, int? shardCount)
        {
            var first = numbering == "1-based" ? 1 : 0;
            var shards = Enumerable.Range(first, 4).Select(index =>
            {
                var variables = new List<(string, string)> { (indexVariable, index.ToString(CultureInfo.InvariantCulture)) };
                if (totalVariable.Length > 0)
                {
                    variables.Add((totalVariable, "4"));
                }

                var shard = InventoryShard.Choose("Auto", shardCount, Environment(variables.ToArray()));
                Assert.Equal(index - first + 1, shard.Index);
                Assert.Equal(4, shard.Count);
                Assert.Contains(indexVariable, shard.Source, StringComparison.Ordinal);
                return Names.Take(100).Where(shard.Contains).ToList();
            }).ToList();

            Assert.Equal(Names.Take(100), shards.SelectMany(s => s).OrderBy(n => n, StringComparer.Ordinal));
        }

        [Fact]
        public void KOfNCountsFromOneAndAgreesWithAuto()
        {
            var gitLab = InventoryShard.Choose("auto", null, Environment(("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")));
            var kubernetes = InventoryShard.Choose("Auto", 3, Environment(("JOB_COMPLETION_INDEX", "1")));
            var given = InventoryShard.Choose("2/3", null, Environment());
            Assert.Equal((given.Index, given.Count), (gitLab.Index, gitLab.Count));
            Assert.Equal((given.Index, given.Count), (kubernetes.Index, kubernetes.Count));
        }

        [Fact]
        public void ASchedulerThatGivesTheTotalComesBeforeOneThatDoesNot()
        {
            // A GitLab job on the Kubernetes executor runs in a pod; GitLab's index is the one that shards it.
            var shard = InventoryShard.Choose("Auto", null, Environment(("JOB_COMPLETION_INDEX", "0"), ("CI_NODE_INDEX", "3"), ("CI_NODE_TOTAL", "3")));
            Assert.Equal(3, shard.Index);
        }

        [Theory]
        [InlineData("no scheduler at all", null)]
        [InlineData("JOB_COMPLETION_INDEX=0", null)]
        [InlineData("NOMAD_ALLOC_INDEX=3", null)]
        [InlineData("JOB_COMPLETION_INDEX=4", 4)]
        [InlineData("CI_NODE_INDEX=0,CI_NODE_TOTAL=4", null)]
        [InlineData("CI_NODE_INDEX=5,CI_NODE_TOTAL=4", null)]
        [InlineData("CI_NODE_INDEX=2,CI_NODE_TOTAL=4", 3)]
        [InlineData("SYSTEM_JOBPOSITIONINPHASE=x,SYSTEM_TOTALJOBSINPHASE=2", null)]
        [InlineData("NOMAD_ALLOC_INDEX=-1", 2)]
        [InlineData("JOB_COMPLETION_INDEX=0", 2000)]
        public void AutoRefusesWhatDoesNotNameOneShardClearly(string variables, int? shardCount)
        {
            var environment = Environment(variables.Split(',').Where(v => v.Contains('=', StringComparison.Ordinal)).Select(v => (v.Split('=')[0], v.Split('=')[1])).ToArray());
            var error = Assert.Throws<SentinelException>(() => InventoryShard.Choose("Auto", shardCount, environment));
            Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
            Assert.Contains("Shard", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ShardCountAloneIsRefusedAndNeitherIsNoShard()
        {
            Assert.Equal(ErrorIds.InvalidArgument, Assert.Throws<SentinelException>(() => InventoryShard.FromParameters(null, 4, Environment())).ErrorId);
            Assert.Null(InventoryShard.FromParameters(null, null, Environment(("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "2"))));
        }

        [Fact]
        public void ShardCountMustAgreeWithKOfN() =>
            Assert.Equal(ErrorIds.InvalidArgument, Assert.Throws<SentinelException>(() => InventoryShard.Choose("1/3", 4, Environment())).ErrorId);
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
