using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Results;

namespace Sentinel.Remediation
{
    /// <summary>One host as the watch sees it: its services, their state, and the repair path.</summary>
    internal interface IWatchTarget
    {
        string ComputerName { get; }

        IReadOnlyList<string> Services { get; }

        /// <summary>The service's state; a SentinelException when the host cannot be asked.</summary>
        Task<ServiceState> StatusAsync(string service, CancellationToken cancellationToken);

        Task<RemediationResult> RepairAsync(string service, CancellationToken cancellationToken);

        /// <summary>The record of a repair the breaker kept from starting (Skipped, Reason "BreakerTripped: ..."), as Repair-SentinelService reports it.</summary>
        RemediationResult Skipped(string service, string reason);
    }

    /// <summary>Where the watch reports; called from background threads.</summary>
    internal sealed class WatchSink
    {
        public Action<ServiceStateChange> Changed { get; set; } = _ => { };

        public Action<RemediationResult> Repaired { get; set; } = _ => { };

        /// <summary>A host became unreachable (once per outage and kind of failure, not every round).</summary>
        public Action<SentinelException> HostFailed { get; set; } = _ => { };

        /// <summary>The breaker tripped (once): no more repairs in this watch.</summary>
        public Action<string> BreakerTripped { get; set; } = _ => { };

        /// <summary>A round has asked every service its state (after its Changed calls), and how long that took.</summary>
        public Action<int, TimeSpan> RoundDone { get; set; } = (_, _) => { };
    }

    /// <summary>
    /// Watch-SentinelService's loop: every Interval, the state of each service on each host; a change
    /// record when it differs from the last round (and for every service on the first round); with
    /// repair on, a service that is not Running is repaired in the background through the same path as
    /// Repair-SentinelService, unless a repair of it is still running or waiting, or its back-off has not
    /// passed. At most Throttle repairs run at once across all hosts, the others wait for a slot; the
    /// breaker is read when a repair has its slot and would start, and a failure is counted before its
    /// slot is let go, so once the breaker is open no repair starts, waiting ones included: each service
    /// it keeps from repair is reported Skipped, once. What it keeps grows with the number of services,
    /// never with the rounds.
    /// </summary>
    [SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "A SemaphoreSlim needs disposing only once its AvailableWaitHandle has been read, which never happens here.")]
    internal sealed class Watcher
    {
        private readonly IReadOnlyList<IWatchTarget> _targets;
        private readonly TimeSpan _interval;
        private readonly int? _count;
        private readonly bool _repair;
        private readonly int _throttle;
        private readonly RepairBackoff _backoff;
        private readonly CircuitBreaker _breaker;
        private readonly IClock _clock;
        private readonly WatchSink _sink;
        private readonly Dictionary<string, ServiceState> _last = new Dictionary<string, ServiceState>(StringComparer.Ordinal);
        private readonly Dictionary<string, Task> _repairing = new Dictionary<string, Task>(StringComparer.Ordinal);
        /// <summary>Repairs running at once, across all hosts and rounds: at most the throttle.</summary>
        private readonly SemaphoreSlim _repairSlots;
        /// <summary>
        /// The canary, as Repair-SentinelService's first batch: the watch's first repair runs alone, and
        /// its failure opens the breaker; only after one repair has really been tried do others run side by side.
        /// </summary>
        private readonly SemaphoreSlim _canaryGate = new SemaphoreSlim(1);
        private volatile bool _canaryTried;
        /// <summary>The services reported Skipped because the breaker is open (each once).</summary>
        private readonly HashSet<string> _skipped = new HashSet<string>(StringComparer.Ordinal);
        /// <summary>The hosts that cannot be asked now, with the error id last reported for each.</summary>
        private readonly Dictionary<string, string> _unreachable = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public Watcher(IReadOnlyList<IWatchTarget> targets, TimeSpan interval, int? count, bool repair, int throttle, RepairBackoff backoff, CircuitBreaker breaker, IClock clock, WatchSink sink)
        {
            _targets = targets;
            _interval = interval;
            _count = count;
            _repair = repair;
            _throttle = throttle;
            _repairSlots = new SemaphoreSlim(throttle);
            _backoff = backoff;
            _breaker = breaker;
            _clock = clock;
            _sink = sink;
        }

        /// <summary>Repairs running or waiting for a slot now (for tests: never two of one service).</summary>
        public int RepairsInFlight
        {
            get
            {
                lock (_repairing)
                {
                    return _repairing.Count;
                }
            }
        }

        /// <summary>Runs until <c>count</c> rounds are done (then waits for the repairs under way) or until cancelled.</summary>
        public async Task RunAsync(CancellationToken cancellationToken)
        {
            try
            {
                for (var round = 1; _count == null || round <= _count; round++)
                {
                    var roundStart = _clock.UtcNow;
                    await PollAllAsync(round, cancellationToken).ConfigureAwait(false);
                    _sink.RoundDone(round, _clock.UtcNow - roundStart);
                    if (round == _count)
                    {
                        break;
                    }

                    var wait = roundStart + _interval - _clock.UtcNow;
                    await _clock.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                Task[] pending;
                lock (_repairing)
                {
                    pending = _repairing.Values.ToArray();
                }

                await Task.WhenAll(pending).ConfigureAwait(false);
            }
        }

        private async Task PollAllAsync(int round, CancellationToken cancellationToken)
        {
            using (var slots = new SemaphoreSlim(_throttle))
            {
                var polls = new List<Task>(_targets.Count);
                foreach (var target in _targets)
                {
                    await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                    // Not the token: a poll given a slot always runs, to release it; the poll itself stops on the token.
                    polls.Add(Task.Run(async () =>
                    {
                        try
                        {
                            await PollAsync(target, round, cancellationToken).ConfigureAwait(false);
                        }
                        finally
                        {
                            slots.Release();
                        }
                    }, CancellationToken.None));
                }

                await Task.WhenAll(polls).ConfigureAwait(false);
            }
        }

        private async Task PollAsync(IWatchTarget target, int round, CancellationToken cancellationToken)
        {
            foreach (var service in target.Services)
            {
                var key = target.ComputerName.ToLowerInvariant() + "\n" + service;
                ServiceState state;
                var detail = string.Empty;
                try
                {
                    state = await target.StatusAsync(service, cancellationToken).ConfigureAwait(false);
                    lock (_unreachable)
                    {
                        _unreachable.Remove(target.ComputerName);
                    }
                }
                catch (SentinelException e)
                {
                    state = ServiceState.Unknown;
                    detail = e.Message;
                    // Reported once per outage, and again only when the failure changes (refused, then a changed host key).
                    bool report;
                    lock (_unreachable)
                    {
                        report = !_unreachable.TryGetValue(target.ComputerName, out var reported) || reported != e.ErrorId;
                        _unreachable[target.ComputerName] = e.ErrorId;
                    }

                    if (report)
                    {
                        _sink.HostFailed(e);
                    }
                }

                ServiceState? previous;
                lock (_last)
                {
                    previous = _last.TryGetValue(key, out var seen) ? seen : (ServiceState?)null;
                    _last[key] = state;
                }

                if (previous != state)
                {
                    _sink.Changed(new ServiceStateChange(DateTime.Now, round, target.ComputerName, service, previous, state, detail));
                }

                _backoff.Observed(key, state == ServiceState.Running, _clock.UtcNow);
                if (_repair && state != ServiceState.Running && detail.Length == 0)
                {
                    StartRepair(target, service, key, cancellationToken);
                }
            }
        }

        private void StartRepair(IWatchTarget target, string service, string key, CancellationToken cancellationToken)
        {
            string? open;
            lock (_repairing)
            {
                if (_repairing.ContainsKey(key) || !_backoff.MayRepair(key, _clock.UtcNow))
                {
                    return;
                }

                open = _breaker.Reason;
                if (open == null)
                {
                    // Registered before it starts, under the lock: a second round cannot start a second repair.
                    var repair = new Task<Task>(() => RepairAsync(target, service, key, cancellationToken));
                    _repairing[key] = repair.Unwrap();
                    repair.Start(TaskScheduler.Default);
                    return;
                }
            }

            ReportSkipped(target, service, key, open);
        }

        private async Task RepairAsync(IWatchTarget target, string service, string key, CancellationToken cancellationToken)
        {
            var slot = false;
            var canary = false;
            try
            {
                await _repairSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
                slot = true;
                canary = await EnterCanaryAsync(cancellationToken).ConfigureAwait(false);

                // Read now, with the slot, not when the repair was asked for: every repair that held a slot
                // before this one counted its failure before letting the slot go.
                if (_breaker.Reason is string open)
                {
                    ReportSkipped(target, service, key, open);
                    return;
                }

                var result = await target.RepairAsync(service, cancellationToken).ConfigureAwait(false);
                if (result.Action == RemediationAction.NoAction)
                {
                    return; // it came back by itself
                }

                _backoff.Repaired(key, _clock.UtcNow);
                _sink.Repaired(result);
                var failed = result.Action == RemediationAction.Failed || result.Action == RemediationAction.Refused;
                if (failed && (_breaker.RecordFailure(target.ComputerName) | (canary && _breaker.Trip($"the canary repair failed ({target.ComputerName})"))))
                {
                    _sink.BreakerTripped(_breaker.Reason!);
                }

                _canaryTried |= canary;
            }
            catch (OperationCanceledException)
            {
                // The watch is stopping.
            }
            finally
            {
                if (canary)
                {
                    _canaryGate.Release();
                }

                if (slot)
                {
                    _repairSlots.Release();
                }

                lock (_repairing)
                {
                    _repairing.Remove(key);
                }
            }
        }

        /// <summary>True when this repair is the canary: no repair has been tried yet, and it now holds the gate.</summary>
        private async Task<bool> EnterCanaryAsync(CancellationToken cancellationToken)
        {
            if (_canaryTried)
            {
                return false;
            }

            await _canaryGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_canaryTried)
            {
                _canaryGate.Release();
                return false;
            }

            return true;
        }

        /// <summary>A service the open breaker keeps from repair: one Skipped record for it, however many rounds find it down.</summary>
        private void ReportSkipped(IWatchTarget target, string service, string key, string reason)
        {
            bool first;
            lock (_skipped)
            {
                first = _skipped.Add(key);
            }

            if (first)
            {
                _sink.Repaired(target.Skipped(service, reason));
            }
        }
    }
}
