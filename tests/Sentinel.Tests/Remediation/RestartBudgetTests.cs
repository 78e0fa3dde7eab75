using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Remediation;
using Xunit;

namespace Sentinel.Tests.Remediation
{
    public sealed class RestartBudgetTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "sentinel-budget-" + Guid.NewGuid().ToString("N"));
        private readonly FakeClock _clock = new FakeClock();

        private string StatePath => Path.Combine(_folder, RestartBudget.FileName);

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, true);
            }
        }

        private RestartBudget Budget(int limit = 3, double minutes = 30) => new RestartBudget(StatePath, limit, TimeSpan.FromMinutes(minutes), _clock);

        [Fact]
        public void AllowsTheLimitWithinTheWindowThenRefusesAndNamesWhenTheNextIsAllowed()
        {
            var budget = Budget();
            for (var i = 1; i <= 3; i++)
            {
                Assert.True(budget.TryTake("web01", "nginx", false, 0, out var taken));
                Assert.Equal(i, taken.Used);
                _clock.Advance(TimeSpan.FromMinutes(1));
            }

            Assert.False(budget.TryTake("web01", "nginx", false, 0, out var refused));
            Assert.False(refused.Allowed);
            Assert.Equal(3, refused.Used);
            Assert.Equal(_clock.UtcNow.AddMinutes(-3).AddMinutes(30), refused.NextAllowedUtc);
            Assert.True(budget.Check("web01", "sshd").Allowed);
            Assert.True(budget.Check("web02", "nginx").Allowed);
        }

        [Fact]
        public void ARestartLeavingTheWindowFreesOnePlace()
        {
            var budget = Budget(limit: 2, minutes: 30);
            Assert.True(budget.TryTake("web01", "nginx", false, 0, out _));
            _clock.Advance(TimeSpan.FromMinutes(10));
            Assert.True(budget.TryTake("web01", "nginx", false, 0, out _));
            Assert.False(budget.Check("web01", "nginx").Allowed);
            _clock.Advance(TimeSpan.FromMinutes(20.5));
            Assert.True(budget.Check("web01", "nginx").Allowed);
            Assert.Equal(1, budget.Check("web01", "nginx").Used);
        }

        [Fact]
        public void IsKeptInTheFileAcrossRunsAndHostNamesIgnoreCase()
        {
            Assert.True(Budget(limit: 1).TryTake("WEB01", "nginx", false, 0, out _));
            Assert.False(Budget(limit: 1).TryTake("web01", "nginx", false, 0, out _));
            Assert.Contains("\"restarts\"", File.ReadAllText(StatePath));
            Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
        }

        [Fact]
        public void ForceCountsTheRestartEvenOverTheBudget()
        {
            var budget = Budget(limit: 1);
            Assert.True(budget.TryTake("web01", "nginx", false, 0, out _));
            Assert.True(budget.TryTake("web01", "nginx", true, 0, out var forced));
            Assert.Equal(2, forced.Used);
        }

        [Fact]
        public void ConcurrentTakersNeverShareTheLastRestart()
        {
            var budget = Budget(limit: 5);
            var granted = Enumerable.Range(0, 40).AsParallel().WithDegreeOfParallelism(8)
                .Count(_ => Budget(limit: 5).TryTake("web01", "nginx", false, 0, out var _));
            Assert.Equal(5, granted);
            Assert.Equal(5, budget.Check("web01", "nginx").Used);
        }

        [Theory]
        [InlineData("not json")]
        [InlineData("{\"restarts\": 3}")]
        [InlineData("{\"restarts\": [{\"computerName\": \"web01\", \"service\": \"nginx\", \"times\": [\"yesterday\"]}]}")]
        [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")]
        public void ADamagedFileIsRemediationStateInvalidNeverAnEmptyBudget(string text)
        {
            Directory.CreateDirectory(_folder);
            File.WriteAllText(StatePath, text);
            var error = Assert.Throws<SentinelException>(() => Budget().Validate());
            Assert.Equal(ErrorIds.RemediationStateInvalid, error.ErrorId);
            Assert.Throws<SentinelException>(() => Budget().TryTake("web01", "nginx", false, 0, out _));
            Assert.Equal(text, File.ReadAllText(StatePath));
        }

        [Fact]
        public void LivesBesideTheInventory() =>
            Assert.Equal(Path.Combine("/etc/sentinel", "remediation-state.json"), RestartBudget.PathBeside("/etc/sentinel/servers.json"));
    }
}
