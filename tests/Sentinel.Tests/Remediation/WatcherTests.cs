using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Remediation;
using Sentinel.Results;
using Xunit;

namespace Sentinel.Tests.Remediation
{
    public sealed class WatcherTests
    {
        /// <summary>A host whose service states come from a function of the round, and whose repairs are recorded (and may be held).</summary>
        private sealed class Target : IWatchTarget
        {
            private readonly Func<int, ServiceState> _state;
            private int _polls;

            public Target(string name, Func<int, ServiceState> state, params string[] services)
            {
                ComputerName = name;
                _state = state;
                Services = services.Length > 0 ? services : new[] { "nginx" };
            }

            public string ComputerName { get; }

            public IReadOnlyList<string> Services { get; }

            public FakeClock? Clock { get; set; }

            public RemediationAction Outcome { get; set; } = RemediationAction.Started;

            public TaskCompletionSource<bool>? Hold { get; set; }

            /// <summary>When set, every repair waits on a gate of its own, queued here for the test to open.</summary>
            public ConcurrentQueue<TaskCompletionSource<bool>>? Gates { get; set; }

            /// <summary>When set, counts the repairs running at once across the hosts that share it.</summary>
            public Gauge? Gauge { get; set; }

            /// <summary>When set, every status fails with the error id it returns.</summary>
            public Func<string>? Failure { get; set; }

            public ConcurrentQueue<DateTime> Repairs { get; } = new ConcurrentQueue<DateTime>();

            public int Running;
            public int MaxRunning;

            public Task<ServiceState> StatusAsync(string service, CancellationToken cancellationToken)
            {
                if (Failure != null)
                {
                    return Task.FromException<ServiceState>(new SentinelException(Failure(), ErrorCategory.ConnectionError, ComputerName, "failed"));
                }

                var round = ((Interlocked.Increment(ref _polls) - 1) / Services.Count) + 1;
                var state = _state(round);
                return state == (ServiceState)(-1)
                    ? Task.FromException<ServiceState>(new SentinelException(ErrorIds.ConnectionRefused, ErrorCategory.ConnectionError, ComputerName, "refused"))
                    : Task.FromResult(state);
            }

            public async Task<RemediationResult> RepairAsync(string service, CancellationToken cancellationToken)
            {
                var now = Interlocked.Increment(ref Running);
                lock (Repairs)
                {
                    MaxRunning = Math.Max(MaxRunning, now);
                }

                Gauge?.Enter();
                Repairs.Enqueue(Clock!.UtcNow);
                if (Hold != null)
                {
                    await Hold.Task.ConfigureAwait(false);
                }

                if (Gates != null)
                {
                    var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    Gates.Enqueue(gate);
                    await gate.Task.ConfigureAwait(false);
                }

                Interlocked.Decrement(ref Running);
                Gauge?.Leave();
                return new RemediationResult(ComputerName, service, ServiceState.Stopped, Outcome, ServiceState.Running, "test", string.Empty, DateTime.Now, TimeSpan.Zero, 0);
            }

            public RemediationResult Skipped(string service, string reason) =>
                new RemediationResult(ComputerName, service, ServiceState.Unknown, RemediationAction.Skipped, ServiceState.Unknown, "BreakerTripped: " + reason, string.Empty, DateTime.Now, TimeSpan.Zero, 0);
        }

        /// <summary>Repairs running at once, and the most ever seen.</summary>
        private sealed class Gauge
        {
            private readonly object _gate = new object();
            private int _running;
            private int _max;

            public int Running
            {
                get
                {
                    lock (_gate)
                    {
                        return _running;
                    }
                }
            }

            public int Max
            {
                get
                {
                    lock (_gate)
                    {
                        return _max;
                    }
                }
            }

            public void Enter()
            {
                lock (_gate)
                {
                    _max = Math.Max(_max, ++_running);
                }
            }

            public void Leave()
            {
                lock (_gate)
                {
                    _running--;
                }
            }
        }

        private sealed class Recorder
        {
            public ConcurrentQueue<ServiceStateChange> Changes { get; } = new ConcurrentQueue<ServiceStateChange>();

            public ConcurrentQueue<RemediationResult> Repairs { get; } = new ConcurrentQueue<RemediationResult>();

            public ConcurrentQueue<string> Errors { get; } = new ConcurrentQueue<string>();

            public ConcurrentQueue<string> Trips { get; } = new ConcurrentQueue<string>();

            /// <summary>Each round done, with the changes reported by then.</summary>
            public ConcurrentQueue<(int Round, int ChangesSoFar)> Rounds { get; } = new ConcurrentQueue<(int, int)>();

            public WatchSink Sink => new WatchSink
            {
                Changed = Changes.Enqueue,
                Repaired = Repairs.Enqueue,
                HostFailed = e => Errors.Enqueue(e.ErrorId),
                BreakerTripped = Trips.Enqueue,
                RoundDone = (round, _) => Rounds.Enqueue((round, Changes.Count)),
            };
        }

        private static (Watcher Watcher, Recorder Recorder) NewWatcher(FakeClock clock, int rounds, bool repair, CircuitBreaker? breaker = null, int throttle = 8, params Target[] targets)
        {
            var recorder = new Recorder();
            foreach (var target in targets)
            {
                target.Clock = clock;
            }

            var watcher = new Watcher(targets, TimeSpan.FromSeconds(10), rounds, repair, throttle, RepairBackoff.Scaled(RepairBackoff.DefaultFirst), breaker ?? new CircuitBreaker(1), clock, recorder.Sink);

            // Background repairs finish before virtual time moves on, so back-off times are exact.
            clock.BeforeAdvance = async () =>
            {
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (watcher.RepairsInFlight > 0 && targets.All(t => t.Hold == null) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(1).ConfigureAwait(false);
                }
            };
            return (watcher, recorder);
        }

        /// <summary>Polls <paramref name="condition"/> until it holds (true) or 30 s pass (false): a ceiling for hangs only.</summary>
        private static async Task<bool> Until(Func<bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!condition())
            {
                if (DateTime.UtcNow > deadline)
                {
                    return false;
                }

                await Task.Delay(1);
            }

            return true;
        }

        [Fact]
        public async Task EmitsEveryServiceOnTheFirstRoundThenOnlyChanges()
        {
            var clock = new FakeClock();
            var web1 = new Target("web1", round => round >= 3 && round < 5 ? ServiceState.Stopped : ServiceState.Running, "nginx", "sshd");
            var (watcher, recorder) = NewWatcher(clock, 6, repair: false, targets: web1);
            var start = clock.UtcNow;
            await watcher.RunAsync(CancellationToken.None);
            var changes = recorder.Changes.ToList();
            Assert.Equal(new[] { "nginx", "sshd" }, changes.Where(c => c.Round == 1).Select(c => c.Name).OrderBy(n => n));
            Assert.All(changes.Where(c => c.Round == 1), c => Assert.Null(c.PreviousState));
            var nginx = changes.Where(c => c.Name == "nginx").ToList();
            Assert.Equal(new[] { 1, 3, 5 }, nginx.Select(c => c.Round));
            Assert.Equal(new ServiceState?[] { null, ServiceState.Running, ServiceState.Stopped }, nginx.Select(c => c.PreviousState));
            Assert.Equal(TimeSpan.FromSeconds(50), clock.UtcNow - start); // 6 rounds, 10 s apart, no wait after the last
            Assert.Empty(recorder.Repairs);
        }

        [Fact]
        public async Task ReportsEachRoundDoneAfterItsChanges()
        {
            var clock = new FakeClock();
            var web1 = new Target("web1", round => round == 2 ? ServiceState.Stopped : ServiceState.Running, "nginx", "sshd");
            var (watcher, recorder) = NewWatcher(clock, 3, repair: false, targets: web1);
            await watcher.RunAsync(CancellationToken.None);
            Assert.Equal(new[] { (1, 2), (2, 4), (3, 6) }, recorder.Rounds.ToArray()); // the metrics file written at round end sees the round's states
        }

        [Fact]
        public async Task RepairsAtOnceThenBacksOffDoublingToFiveMinutes()
        {
            var clock = new FakeClock();
            var web1 = new Target("web1", _ => ServiceState.Stopped);
            var (watcher, recorder) = NewWatcher(clock, 200, repair: true, breaker: new CircuitBreaker(100), targets: web1);
            var start = clock.UtcNow;
            await watcher.RunAsync(CancellationToken.None);
            var times = web1.Repairs.ToList();
            Assert.Equal(start, times[0]);
            var gaps = times.Zip(times.Skip(1), (a, b) => (b - a).TotalSeconds).Take(6).ToList();
            Assert.Equal(new double[] { 30, 60, 120, 240, 300, 300 }, gaps);
            Assert.Equal(times.Count, recorder.Repairs.Count);
        }

        [Fact]
        public async Task NeverRunsTwoRepairsOfOneServiceAtOnce()
        {
            var clock = new FakeClock();
            var web1 = new Target("web1", _ => ServiceState.Stopped) { Hold = new TaskCompletionSource<bool>() };
            var (watcher, _) = NewWatcher(clock, 50, repair: true, targets: web1);
            var run = watcher.RunAsync(CancellationToken.None);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!run.IsCompleted && DateTime.UtcNow < deadline && !(web1.Repairs.Count == 1 && watcher.RepairsInFlight == 1 && clock.UtcNow > new DateTime(2026, 11, 25, 10, 5, 0, DateTimeKind.Utc)))
            {
                await Task.Delay(5);
            }

            // Five minutes of rounds went by while the one repair still ran: no second one started.
            Assert.Single(web1.Repairs);
            web1.Hold.SetResult(true);
            await run;
            Assert.Equal(1, web1.MaxRunning);
        }

        [Fact]
        public async Task FailedRepairsTripTheBreakerOnceAndThenNothingMoreIsRepaired()
        {
            var clock = new FakeClock();
            var web1 = new Target("web1", _ => ServiceState.Stopped) { Outcome = RemediationAction.Failed };
            var web2 = new Target("web2", _ => ServiceState.Stopped) { Outcome = RemediationAction.Failed };
            var web3 = new Target("web3", round => round < 10 ? ServiceState.Running : ServiceState.Stopped);
            var (watcher, recorder) = NewWatcher(clock, 100, repair: true, breaker: new CircuitBreaker(2), targets: new[] { web1, web2, web3 });
            await watcher.RunAsync(CancellationToken.None);
            Assert.Single(recorder.Trips);
            Assert.Equal(1, web1.Repairs.Count + web2.Repairs.Count); // the canary failed: the other is never tried
            Assert.Empty(web3.Repairs);
        }

        [Fact]
        public async Task AnUnreachableHostIsUnknownWithOneErrorPerOutageAndIsNotRepaired()
        {
            var clock = new FakeClock();
            var web1 = new Target("web1", round => round >= 2 && round <= 4 ? (ServiceState)(-1) : ServiceState.Running);
            var (watcher, recorder) = NewWatcher(clock, 6, repair: true, targets: web1);
            await watcher.RunAsync(CancellationToken.None);
            Assert.Equal(new[] { ErrorIds.ConnectionRefused }, recorder.Errors);
            var changes = recorder.Changes.ToList();
            Assert.Equal(new[] { ServiceState.Running, ServiceState.Unknown, ServiceState.Running }, changes.Select(c => c.State));
            Assert.Equal("refused", changes[1].Detail);
            Assert.Empty(web1.Repairs);
        }

        [Fact]
        public async Task ANewKindOfFailureDuringAnOutageIsReportedOnce()
        {
            var clock = new FakeClock();
            var failures = new[] { ErrorIds.ConnectionRefused, ErrorIds.ConnectionRefused, ErrorIds.HostKeyMismatch, ErrorIds.HostKeyMismatch, ErrorIds.HostKeyMismatch };
            var round = 0;
            var web1 = new Target("web1", _ => ServiceState.Running) { Failure = () => failures[Math.Min(Interlocked.Increment(ref round) - 1, failures.Length - 1)] };
            var (watcher, recorder) = NewWatcher(clock, 6, repair: false, targets: web1);
            await watcher.RunAsync(CancellationToken.None);
            Assert.Equal(new[] { ErrorIds.ConnectionRefused, ErrorIds.HostKeyMismatch }, recorder.Errors);
            Assert.Single(recorder.Changes);
        }

        [Fact]
        public async Task StopsWhenCancelledAndWaitsForTheRepairUnderWay()
        {
            var clock = new FakeClock();
            var web1 = new Target("web1", _ => ServiceState.Stopped) { Hold = new TaskCompletionSource<bool>() };
            var (watcher, _) = NewWatcher(clock, 0, repair: true, targets: web1);
            using (var stop = new CancellationTokenSource())
            {
                // Stopped once the repair is under way (a repair still waiting for a slot would not start).
                clock.BeforeAdvance = async () =>
                {
                    Assert.True(await Until(() => web1.Running == 1));
                    stop.Cancel();
                };
                var run = new Watcher(new[] { web1 }, TimeSpan.FromSeconds(1), null, true, 8, RepairBackoff.Scaled(TimeSpan.FromSeconds(1)), new CircuitBreaker(1), clock, new WatchSink()).RunAsync(stop.Token);
                Assert.True(await Until(() => stop.IsCancellationRequested));
                Assert.False(run.IsCompleted);
                web1.Hold.SetResult(true);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            }

            Assert.Single(web1.Repairs);
            Assert.Equal(0, web1.Running);
        }

        [Fact]
        public async Task Issue20Item3_RepairsInFlightAcrossHostsNeverExceedTheThrottleLimit()
        {
            var clock = new FakeClock();
            var gauge = new Gauge();
            var gates = new ConcurrentQueue<TaskCompletionSource<bool>>();
            var targets = Enumerable.Range(1, 8).Select(i => new Target($"web{i}", _ => ServiceState.Stopped) { Gauge = gauge, Gates = gates }).ToArray();
            var (watcher, recorder) = NewWatcher(clock, 1, repair: true, breaker: new CircuitBreaker(100), throttle: 3, targets: targets);
            var run = watcher.RunAsync(CancellationToken.None);

            // Every host polled (so every repair asked for), the canary running alone, held; then the
            // repairs are let go one at a time, and after the canary 3 run at once.
            Assert.True(await Until(() => recorder.Changes.Count == 8 && gauge.Running == 1 && gates.Count == 1));
            Assert.Equal(1, gauge.Max);
            for (var released = 0; released < 8; released++)
            {
                if (released == 1)
                {
                    Assert.True(await Until(() => gauge.Running == 3));
                }

                Assert.True(await Until(() => !gates.IsEmpty));
                Assert.True(gates.TryDequeue(out var gate));
                gate!.SetResult(true);
                Assert.True(await Until(() => recorder.Repairs.Count == released + 1));
            }

            await run;
            Assert.Equal(8, targets.Sum(t => t.Repairs.Count));
            Assert.Equal(3, gauge.Max);
        }

        [Fact]
        public async Task Issue20Item3_ThrottleOneMaxFailureOneOnFourFailingHostsMakesOneAttemptAndSkipsThree()
        {
            var clock = new FakeClock();
            var hold = new TaskCompletionSource<bool>();
            var targets = Enumerable.Range(1, 4).Select(i => new Target($"web{i}", _ => ServiceState.Stopped) { Outcome = RemediationAction.Failed, Hold = hold }).ToArray();
            var (watcher, recorder) = NewWatcher(clock, 1, repair: true, breaker: new CircuitBreaker(1), throttle: 1, targets: targets);
            var run = watcher.RunAsync(CancellationToken.None);

            // The first repair is held until every host was polled: the others had every chance to start.
            Assert.True(await Until(() => recorder.Changes.Count == 4 && targets.Sum(t => t.Repairs.Count) >= 1));
            hold.SetResult(true);
            await run;

            Assert.Equal(1, targets.Sum(t => t.Repairs.Count));
            Assert.Single(recorder.Trips);
            var results = recorder.Repairs.ToList();
            Assert.Single(results, r => r.Action == RemediationAction.Failed);
            var skipped = results.Where(r => r.Action == RemediationAction.Skipped).ToList();
            Assert.Equal(3, skipped.Count);
            Assert.All(skipped, r => Assert.StartsWith("BreakerTripped: 1 host(s) failed", r.Reason));
            Assert.Equal(targets.Where(t => t.Repairs.IsEmpty).Select(t => t.ComputerName).OrderBy(n => n), skipped.Select(r => r.ComputerName).OrderBy(n => n));
        }

        [Fact]
        public async Task Issue20Item3_ManyHostsFailingAtOnceTripTheBreakerAndNoQueuedRepairStarts()
        {
            var clock = new FakeClock();
            var gauge = new Gauge();
            var gates = new ConcurrentQueue<TaskCompletionSource<bool>>();
            // A host once repaired reads Running again: each is repaired at most once, so every gate is known.
            Target[] targets = null!;
            targets = Enumerable.Range(0, 12).Select(i => new Target($"web{i + 1}", _ => targets[i].Repairs.IsEmpty ? ServiceState.Stopped : ServiceState.Running) { Gates = gates, Gauge = gauge }).ToArray();
            var (watcher, recorder) = NewWatcher(clock, 3, repair: true, breaker: new CircuitBreaker(2), throttle: 4, targets: targets);
            var run = watcher.RunAsync(CancellationToken.None);

            // The canary succeeds; then 4 repairs held while every host is polled, and all 4 let go at once to fail.
            Assert.True(await Until(() => recorder.Changes.Count >= 12 && gates.Count == 1));
            var hold = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var target in targets.Where(t => t.Repairs.IsEmpty))
            {
                target.Gates = null;
                target.Hold = hold;
                target.Outcome = RemediationAction.Failed;
            }

            Assert.True(gates.TryDequeue(out var canary));
            canary!.SetResult(true);
            Assert.True(await Until(() => gauge.Running == 4));
            hold.SetResult(true);
            await run;

            // The first failure frees a slot before the second trips the breaker (-MaxFailure 2), so one more
            // repair may start in between; none starts after the trip.
            var attempts = targets.Sum(t => t.Repairs.Count);
            Assert.InRange(attempts, 5, 6);
            Assert.Equal(4, gauge.Max);
            Assert.Single(recorder.Trips);
            var results = recorder.Repairs.ToList();
            Assert.Equal(attempts - 1, results.Count(r => r.Action == RemediationAction.Failed));
            Assert.Equal(12 - attempts, results.Count(r => r.Action == RemediationAction.Skipped && r.Reason.StartsWith("BreakerTripped: ", StringComparison.Ordinal)));
        }

        [Fact]
        public async Task Issue20Item3_AFailingCanaryTripsTheBreakerWhateverMaxFailureAllows()
        {
            // As Repair-SentinelService: the first repair runs alone, and its failure stops the rest.
            var clock = new FakeClock();
            var gauge = new Gauge();
            var hold = new TaskCompletionSource<bool>();
            var targets = Enumerable.Range(1, 4).Select(i => new Target($"web{i}", _ => ServiceState.Stopped) { Outcome = RemediationAction.Failed, Hold = hold, Gauge = gauge }).ToArray();
            var (watcher, recorder) = NewWatcher(clock, 1, repair: true, breaker: new CircuitBreaker(3), throttle: 4, targets: targets);
            var run = watcher.RunAsync(CancellationToken.None);
            Assert.True(await Until(() => recorder.Changes.Count == 4 && gauge.Running == 1));
            hold.SetResult(true);
            await run;

            Assert.Equal(1, targets.Sum(t => t.Repairs.Count));
            Assert.Equal(1, gauge.Max);
            Assert.StartsWith("the canary repair failed", Assert.Single(recorder.Trips));
            Assert.Equal(3, recorder.Repairs.Count(r => r.Action == RemediationAction.Skipped));
        }

        [Fact]
        public async Task Issue20Item3_AServiceTheBreakerKeepsFromRepairIsSkippedOnceNotEveryRound()
        {
            var clock = new FakeClock();
            var web1 = new Target("web1", _ => ServiceState.Stopped) { Outcome = RemediationAction.Failed };
            var web2 = new Target("web2", round => round < 3 ? ServiceState.Running : ServiceState.Stopped);
            var (watcher, recorder) = NewWatcher(clock, 20, repair: true, breaker: new CircuitBreaker(1), targets: new[] { web1, web2 });
            await watcher.RunAsync(CancellationToken.None);

            Assert.Single(web1.Repairs);
            Assert.Empty(web2.Repairs);
            // web2, and web1 once its back-off has passed: each Skipped once in the 19 rounds after the trip.
            var skipped = recorder.Repairs.Where(r => r.Action == RemediationAction.Skipped).ToList();
            Assert.Equal(new[] { "web1", "web2" }, skipped.Select(r => r.ComputerName).OrderBy(n => n));
            Assert.All(skipped, r => Assert.StartsWith("BreakerTripped: 1 host(s) failed (web1)", r.Reason));
        }
    }
}
