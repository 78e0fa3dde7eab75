using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Remediation;
using Xunit;

namespace Sentinel.Tests.Remediation
{
    public sealed class RepairBackoffTests
    {
        private static readonly DateTime Start = new DateTime(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc);

        [Fact]
        public void TheFirstRepairGoesAtOnceThenThirtySecondsDoublingToFiveMinutes()
        {
            var backoff = RepairBackoff.Scaled(RepairBackoff.DefaultFirst);
            Assert.Equal(TimeSpan.FromMinutes(5), backoff.Max);
            Assert.Equal(TimeSpan.FromMinutes(10), backoff.ResetAfter);
            var now = Start;
            Assert.True(backoff.MayRepair("k", now));
            var waits = new List<double>();
            for (var i = 0; i < 7; i++)
            {
                backoff.Repaired("k", now);
                var next = backoff.NotBefore("k")!.Value;
                waits.Add((next - now).TotalSeconds);
                Assert.False(backoff.MayRepair("k", next.AddTicks(-1)));
                Assert.True(backoff.MayRepair("k", next));
                now = next;
            }

            Assert.Equal(new double[] { 30, 60, 120, 240, 300, 300, 300 }, waits);
        }

        [Fact]
        public void TenMinutesRunningWithoutABreakForgetsTheRepairs()
        {
            var backoff = RepairBackoff.Scaled(RepairBackoff.DefaultFirst);
            backoff.Repaired("k", Start);
            backoff.Repaired("k", Start.AddSeconds(30));
            backoff.Observed("k", true, Start.AddMinutes(1));
            backoff.Observed("k", false, Start.AddMinutes(5)); // a break: the healthy time starts again
            backoff.Observed("k", true, Start.AddMinutes(6));
            backoff.Observed("k", true, Start.AddMinutes(15.9));
            Assert.NotNull(backoff.NotBefore("k"));
            backoff.Observed("k", true, Start.AddMinutes(16));
            Assert.Null(backoff.NotBefore("k"));
            backoff.Repaired("k", Start.AddMinutes(17));
            Assert.Equal(Start.AddMinutes(17).AddSeconds(30), backoff.NotBefore("k"));
        }
    }

    public sealed class PortionTests
    {
        [Theory]
        [InlineData("1", 10, 1)]
        [InlineData("3", 10, 3)]
        [InlineData("25%", 10, 3)]
        [InlineData("10%", 5, 1)]
        [InlineData("100%", 7, 7)]
        [InlineData("1%", 1000, 10)]
        public void ReadsACountOrAPercentageRoundedUp(string text, int total, int expected) => Assert.Equal(expected, Portion.Parse(text, "BatchSize").Of(total));

        [Theory]
        [InlineData("0")]
        [InlineData("0%")]
        [InlineData("101%")]
        [InlineData("-1")]
        [InlineData("2.5")]
        [InlineData("5 %")]
        [InlineData("3\n")]
        [InlineData("")]
        public void RefusesAnythingElseNamingTheParameter(string text)
        {
            var error = Assert.Throws<SentinelException>(() => Portion.Parse(text, "MaxFailure"));
            Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
            Assert.Contains("-MaxFailure", error.Message);
        }
    }

    public sealed class RolloutTests
    {
        private static readonly string[] Hosts = Enumerable.Range(1, 7).Select(i => "web" + i).ToArray();

        [Fact]
        public void ByDefaultOneCanaryThenTheThrottle()
        {
            var batches = Rollout.Batches(Hosts, null, throttle: 4);
            Assert.Equal(new[] { 1, 4, 2 }, batches.Select(b => b.Count));
            Assert.Equal(Hosts, batches.SelectMany(b => b));
        }

        [Fact]
        public void ABatchSizeGivesEveryBatchThatSizeTheFirstBeingTheCanary()
        {
            Assert.Equal(new[] { 2, 2, 2, 1 }, Rollout.Batches(Hosts, new[] { Portion.Parse("2", "BatchSize") }, 32).Select(b => b.Count));
            Assert.Equal(new[] { 3, 3, 1 }, Rollout.Batches(Hosts, new[] { Portion.Parse("40%", "BatchSize") }, 32).Select(b => b.Count));
            Assert.Single(Rollout.Batches(Hosts, new[] { Portion.Parse("100%", "BatchSize") }, 32));
            Assert.Empty(Rollout.Batches(new string[0], null, 32));
        }

        private static async Task<(List<string> Touched, List<(string Host, int Batch, string Reason)> Skipped)> RunAsync(IReadOnlyList<List<string>> batches, CircuitBreaker breaker, ISet<string> failing, int throttle = 32)
        {
            var touched = new ConcurrentQueue<string>();
            var skipped = new ConcurrentQueue<(string, int, string)>();
            await Rollout.RunAsync(batches, breaker, throttle, (host, batch) =>
            {
                touched.Enqueue(host);
                return Task.FromResult(failing.Contains(host));
            }, (host, batch, reason) => skipped.Enqueue((host, batch, reason)), host => host, CancellationToken.None);
            return (touched.ToList(), skipped.ToList());
        }

        [Fact]
        public async Task AFailingCanaryStopsAfterTheFirstBatchEvenWhenMaxFailureAllowsMore()
        {
            var breaker = new CircuitBreaker(threshold: 5);
            var (touched, skipped) = await RunAsync(Rollout.Batches(Hosts, null, 32), breaker, new HashSet<string> { "web1" });
            Assert.Equal(new[] { "web1" }, touched);
            Assert.Equal(Hosts.Skip(1), skipped.Select(s => s.Host));
            Assert.All(skipped, s => Assert.Equal(2, s.Batch));
            Assert.All(skipped, s => Assert.StartsWith("the canary batch failed (web1)", s.Reason));
            Assert.True(breaker.Tripped);
        }

        [Fact]
        public async Task MaxFailureFailedHostsSkipEveryHostNotYetTouched()
        {
            var breaker = new CircuitBreaker(threshold: 2);
            var (touched, skipped) = await RunAsync(Rollout.Batches(Hosts, new[] { Portion.Parse("1", "BatchSize") }, 32), breaker, new HashSet<string> { "web2", "web4" });
            Assert.Equal(new[] { "web1", "web2", "web3", "web4" }, touched);
            Assert.Equal(new[] { "web5", "web6", "web7" }, skipped.Select(s => s.Host));
            Assert.Contains("2 host(s) failed (web2, web4), and -MaxFailure allows 2", breaker.Reason);
        }

        [Fact]
        public async Task WithinABatchTheHostsNotYetStartedAreSkippedOnceTheBreakerTrips()
        {
            var breaker = new CircuitBreaker(threshold: 1);
            var (touched, skipped) = await RunAsync(new[] { new List<string> { "web1" }, Hosts.Skip(1).ToList() }, breaker, new HashSet<string> { "web2" }, throttle: 1);
            Assert.Equal(new[] { "web1", "web2" }, touched);
            Assert.Equal(Hosts.Skip(2), skipped.Select(s => s.Host));
        }

        [Fact]
        public async Task NothingFailingTouchesEveryHostAndTripsNothing()
        {
            var breaker = new CircuitBreaker(threshold: 1);
            var (touched, skipped) = await RunAsync(Rollout.Batches(Hosts, null, 3), breaker, new HashSet<string>());
            Assert.Equal(Hosts.OrderBy(h => h), touched.OrderBy(h => h));
            Assert.Empty(skipped);
            Assert.False(breaker.Tripped);
        }

        [Fact]
        public void TheBreakerCountsAHostOnceAndTripsOnce()
        {
            var breaker = new CircuitBreaker(threshold: 2);
            Assert.False(breaker.RecordFailure("web1"));
            Assert.False(breaker.RecordFailure("WEB1"));
            Assert.True(breaker.RecordFailure("web2"));
            Assert.False(breaker.RecordFailure("web3"));
            Assert.False(breaker.Trip("again"));
            Assert.Equal(3, breaker.FailedHosts);
        }
    }
}
