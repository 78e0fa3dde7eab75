using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Remediation;
using Sentinel.Results;
using Sentinel.Services;
using Sentinel.Tests.Fakes;
using Xunit;

namespace Sentinel.Tests.Remediation
{
    /// <summary>Restart-SentinelService's roll (issue 23 part 1): ramps, -MaxUnavailable, -MaxFailure, the health gate and the Skipped reasons.</summary>
    public sealed class RollingRestartTests
    {
        private const string Status = "TZ=UTC systemctl show -p " + ServiceCommands.SystemdProperties + " -- 'nginx'";
        private const string Restart = "systemctl restart -- 'nginx'";
        private const string Health = "curl -fsS localhost/health";
        private static readonly string[] Eight = Enumerable.Range(1, 8).Select(i => "web" + i).ToArray();

        private static Portion[] Ramp(params string[] sizes) => sizes.Select(size => Portion.Parse(size, "BatchSize")).ToArray();

        [Fact]
        public void ARampGivesEachBatchItsSizeAndTheLastRepeats()
        {
            Assert.Equal(new[] { 1, 4, 3 }, Rollout.Batches(Eight, Ramp("1", "50%"), 32).Select(b => b.Count));
            Assert.Equal(new[] { 1, 1, 4, 2 }, Rollout.Batches(Eight, Ramp("1", "10%", "50%"), 32).Select(b => b.Count));
            Assert.Equal(new[] { 2, 2, 2, 2 }, Rollout.Batches(Eight, Ramp("25%"), 32).Select(b => b.Count));
            Assert.Equal(new[] { 3, 3, 2 }, Rollout.Batches(Eight, Ramp("3"), 32).Select(b => b.Count));
            Assert.Single(Rollout.Batches(Eight, Ramp("100%"), 1));
            Assert.Equal(Eight, Rollout.Batches(Eight, Ramp("1", "50%"), 32).SelectMany(b => b));
        }

        [Fact]
        public void APercentageRoundsUpAndIsNeverLessThanOneHost()
        {
            Assert.Equal(1, Portion.Parse("10%", "MaxUnavailable").Of(8));
            Assert.Equal(2, Portion.Parse("13%", "MaxUnavailable").Of(8));
            Assert.Equal(1, Portion.Parse("1%", "MaxUnavailable").Of(3));
        }

        [Fact]
        public async Task TheGateLetsASecondHostDownOnlyOnceTheFirstCameBackHealthy()
        {
            var gate = new UnavailabilityGate(1, Array.Empty<string>());
            Assert.True(await gate.EnterAsync("web1", CancellationToken.None));
            var second = gate.EnterAsync("web2", CancellationToken.None);
            Assert.False(second.IsCompleted);
            gate.Leave("web1", healthy: true);
            Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        [Fact]
        public async Task HostsAlreadyDownCountAndAreRestartedWithoutTakingMore()
        {
            var gate = new UnavailabilityGate(2, new[] { "web3", "web4" });
            Assert.False(await gate.EnterAsync("web1", CancellationToken.None));
            Assert.True(await gate.EnterAsync("web3", CancellationToken.None));
            var waiting = gate.EnterAsync("web1", CancellationToken.None);
            Assert.False(waiting.IsCompleted);
            gate.Leave("web3", healthy: true);
            Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        [Fact]
        public async Task AFailedHostStaysDownAndHoldsItsPlace()
        {
            var gate = new UnavailabilityGate(1, Array.Empty<string>());
            Assert.True(await gate.EnterAsync("web1", CancellationToken.None));
            var waiting = gate.EnterAsync("web2", CancellationToken.None);
            gate.Leave("web1", healthy: false);
            Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(new[] { "web1" }, gate.Down);
        }

        /// <summary>Eight systemd hosts running nginx; the health command fails on the hosts in <paramref name="unhealthy"/>. Tracks how many are down at once (from restart to health check).</summary>
        private sealed class Fleet
        {
            private int _down;
            private int _maxDown;

            public Fleet(ISet<string>? unhealthy = null, ISet<string>? alreadyDown = null, ISet<string>? pidChanges = null)
            {
                foreach (var name in Eight)
                {
                    var pid = 100;
                    var restarted = false;
                    var polls = 0;
                    var host = ScriptedServiceHost.OnRequest(request =>
                    {
                        switch (request.Command)
                        {
                            case Status:
                                var running = restarted || alreadyDown == null || !alreadyDown.Contains(name);
                                if (restarted && pidChanges != null && pidChanges.Contains(name) && ++polls > 2)
                                {
                                    pid = 999;
                                }

                                return (0, running ? $"LoadState=loaded\nActiveState=active\nSubState=running\nMainPID={pid}\n" : "LoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0\n", "");
                            case Restart:
                                restarted = true;
                                pid++;
                                var now = Interlocked.Increment(ref _down);
                                lock (Restarted)
                                {
                                    Restarted.Add(name);
                                    _maxDown = Math.Max(_maxDown, now);
                                }

                                return (0, "", "");
                            case Health:
                                Interlocked.Decrement(ref _down);
                                return unhealthy != null && unhealthy.Contains(name) ? (7, "", "curl: (7) Failed to connect to localhost port 80\n") : (0, "ok\n", "");
                            default:
                                return (0, "", "");
                        }
                    });
                    Targets.Add(new RestartTarget(name, _ => Task.FromResult(host.Controller())));
                }
            }

            public List<RestartTarget> Targets { get; } = new List<RestartTarget>();

            public List<string> Restarted { get; } = new List<string>();

            public int MaxDown => Volatile.Read(ref _maxDown);
        }

        private static async Task<(List<(string Host, ServiceActionResult Result)> Results, List<SentinelException> Errors, RollingRestart Roll)> RollAsync(Fleet fleet, Portion[] ramp, int maxFailure = 1, int? maxUnavailable = null, double settleSeconds = 2, int throttle = 32)
        {
            var results = new ConcurrentQueue<ServiceActionResult>();
            var errors = new ConcurrentQueue<SentinelException>();
            var options = new RollingRestartOptions { Manager = ServiceManager.Systemd, Settle = TimeSpan.FromSeconds(settleSeconds), HealthCommand = Health };
            var roll = new RollingRestart(new[] { "nginx" }, options, new FakeClock(), results.Enqueue, errors.Enqueue);
            var batches = Rollout.Batches(fleet.Targets, ramp, throttle);
            await roll.RunAsync(batches, new CircuitBreaker(maxFailure), throttle, maxUnavailable, CancellationToken.None);

            // Results of restarted hosts carry the scripted session's name; the batch and order tell them apart.
            var byBatch = results.ToList();
            return (byBatch.Select(r => (r.ComputerName, r)).ToList(), errors.ToList(), roll);
        }

        [Fact]
        public async Task AHealthCommandFailingOnTheThirdHostStopsAfterItsBatchWithTheRestSkipped()
        {
            var fleet = new Fleet(unhealthy: new HashSet<string> { "web3" });
            var (results, errors, roll) = await RollAsync(fleet, Ramp("1", "50%"));
            Assert.Equal(8, results.Count);
            Assert.Equal(new[] { "web1", "web2", "web3", "web4", "web5" }, fleet.Restarted.OrderBy(h => h));
            var byOutcome = results.Select(r => r.Result).GroupBy(r => r.Outcome).ToDictionary(g => g.Key, g => g.ToList());
            Assert.Equal(4, byOutcome[ServiceActionOutcome.Succeeded].Count);
            var failed = Assert.Single(byOutcome[ServiceActionOutcome.Failed]);
            Assert.Equal(2, failed.Batch);
            Assert.StartsWith("Unhealthy: the health command exited 7: curl: (7)", failed.Reason, StringComparison.Ordinal);
            Assert.Equal(new[] { "web6", "web7", "web8" }, byOutcome[ServiceActionOutcome.Skipped].Select(r => r.ComputerName));
            Assert.All(byOutcome[ServiceActionOutcome.Skipped], r => Assert.Equal(3, r.Batch));
            Assert.All(byOutcome[ServiceActionOutcome.Skipped], r => Assert.StartsWith("BreakerTripped: 1 host(s) failed", r.Reason, StringComparison.Ordinal));
            Assert.Equal(ErrorIds.ServiceUnhealthy, Assert.Single(errors).ErrorId);
            Assert.Equal(3, roll.SkippedHosts);
        }

        [Fact]
        public async Task MaxUnavailableOneNeverHasTwoHostsDownAtOnce()
        {
            var fleet = new Fleet();
            var (results, _, _) = await RollAsync(fleet, Ramp("100%"), maxUnavailable: 1);
            Assert.All(results, r => Assert.Equal(ServiceActionOutcome.Succeeded, r.Result.Outcome));
            Assert.Equal(8, fleet.Restarted.Count);
            Assert.Equal(1, fleet.MaxDown);
        }

        [Fact]
        public async Task MaxUnavailableCountsHostsAlreadyDown()
        {
            // Two of eight down already, -MaxUnavailable 2, one host at a time: the healthy hosts, first in the
            // order, find no room and nobody restarting who could make some; the down ones are still restarted.
            var fleet = new Fleet(alreadyDown: new HashSet<string> { "web7", "web8" });
            var (results, _, _) = await RollAsync(fleet, Ramp("100%"), maxFailure: 8, maxUnavailable: 2, throttle: 1);
            var skipped = results.Select(r => r.Result).Where(r => r.Outcome == ServiceActionOutcome.Skipped).ToList();
            Assert.Equal(6, skipped.Count);
            Assert.All(skipped, r => Assert.StartsWith("MaxUnavailable: 2 host(s) are down (web7, web8)", r.Reason, StringComparison.Ordinal));
            Assert.Equal(new[] { "web7", "web8" }, fleet.Restarted.OrderBy(h => h));
        }

        [Fact]
        public async Task AMainProcessThatChangesWithinTheSettleTimeFailsTheGate()
        {
            var fleet = new Fleet(pidChanges: new HashSet<string> { "web1" });
            var (results, _, roll) = await RollAsync(fleet, Ramp("1"), settleSeconds: 5);
            var failed = Assert.Single(results.Select(r => r.Result), r => r.Outcome == ServiceActionOutcome.Failed);
            Assert.Contains("main process changed from 101 to 999", failed.Reason, StringComparison.Ordinal);
            Assert.Equal(7, roll.SkippedHosts);
            Assert.All(results.Select(r => r.Result).Where(r => r.Outcome == ServiceActionOutcome.Skipped), r => Assert.StartsWith("BreakerTripped: 1 host(s) failed (web1)", r.Reason, StringComparison.Ordinal));
        }
    }
}
