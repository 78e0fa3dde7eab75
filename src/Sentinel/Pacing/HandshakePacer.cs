using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Remediation;

namespace Sentinel.Pacing
{
    /// <summary>
    /// How many SSH handshakes one cmdlet runs at once. -ThrottleLimit is the ceiling, not the pace: a
    /// handshake is CPU work on both ends, and a fan-out that starts more than the runner and the fleet
    /// can carry makes every one of them slow, until healthy hosts miss their connect timeout. So the
    /// number in flight follows the handshakes' own latency, as TCP follows its round trips (additive
    /// increase, multiplicative decrease). After each round (as many handshakes as the limit, at least
    /// <see cref="MinimumRound"/>):
    /// - a median latency that holds (within 1.5 times the lowest median of the last rounds plus 50 ms,
    ///   and under a quarter of the connect timeout) raises the limit, doubling until the first back-off,
    ///   by one after; only handshakes admitted under the current limit count toward its round;
    /// - a median that climbed while this machine was saturated (<see cref="IRunnerLoad"/>) a quarter of
    ///   the round or more halves it;
    /// - a median that climbed on a machine that was not holds it: those are slower hosts, not a busier
    ///   runner, and fewer at once would not make them faster.
    /// A handshake that timed out after its server answered halves it at once. Connections already open
    /// are not counted: only handshakes hold a place, and a handshake whose server has not answered within
    /// <see cref="ParkAfter"/> on a machine that is not saturated gives its place up, so hosts that never
    /// answer (black holes) do not stall the hosts behind them (see <see cref="HandshakeClock"/>).
    /// </summary>
    internal sealed class HandshakePacer
    {
        public const int FirstLimit = 16;
        public const int MinimumRound = 8;
        private const int FloorRounds = 20;
        private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(50);

        /// <summary>A round whose latency climbed backs off only when this machine was saturated this share of it.</summary>
        private const double SaturatedRound = 0.25;

        private readonly object _lock = new object();
        private readonly LinkedList<TaskCompletionSource<HandshakeSlot>> _waiting = new LinkedList<TaskCompletionSource<HandshakeSlot>>();
        private readonly List<TimeSpan> _round = new List<TimeSpan>();
        private readonly Queue<TimeSpan> _roundMedians = new Queue<TimeSpan>();
        private readonly TimeSpan _latencyCeiling;
        private readonly Action<string> _narrate;
        private readonly IRunnerLoad _load;
        private readonly IClock _clock;
        private DateTime _roundBegan;
        private TimeSpan _saturatedAtRoundStart;
        private bool _slowStart = true;
        private int _epoch;
        private int _inFlight;

        /// <param name="ceiling">-ThrottleLimit: never more handshakes than this at once.</param>
        /// <param name="connectTimeout">The connect timeout: a round whose median climbs past a quarter of it backs off whatever the floor.</param>
        /// <param name="narrate">Told each change of the limit and why (the cmdlet's verbose stream); called under no lock.</param>
        /// <param name="load">Tells whether this machine was saturated during a round; the process's shared measurement by default.</param>
        /// <param name="clock">Times rounds; the system clock by default.</param>
        public HandshakePacer(int ceiling, TimeSpan connectTimeout, Action<string> narrate, IRunnerLoad? load = null, IClock? clock = null)
        {
            _load = load ?? RunnerLoad.Shared;
            _clock = clock ?? SystemClock.Instance;
            _roundBegan = _clock.UtcNow;
            _saturatedAtRoundStart = _load.SaturatedTime;
            Ceiling = Math.Max(1, ceiling);
            Limit = Math.Min(Ceiling, FirstLimit);
            _latencyCeiling = TimeSpan.FromTicks(connectTimeout.Ticks / 4);
            _narrate = narrate;
            Status = $"up to {Limit} handshakes at once";
        }

        public int Ceiling { get; }

        /// <summary>How many handshakes may run at once now.</summary>
        public int Limit { get; private set; }

        /// <summary>The current limit and why it is what it is, for the progress bar.</summary>
        public string Status { get; private set; }

        /// <summary>The lowest median latency of the last rounds; null before the first round ends.</summary>
        public TimeSpan? Floor
        {
            get
            {
                lock (_lock)
                {
                    return _roundMedians.Count == 0 ? (TimeSpan?)null : _roundMedians.Min();
                }
            }
        }

        /// <summary>How long a handshake whose server has said nothing yet keeps its place.</summary>
        public TimeSpan ParkAfter
        {
            get
            {
                lock (_lock)
                {
                    var floor = Floor;
                    return floor.HasValue && floor.Value.Ticks * 4 > TimeSpan.TicksPerSecond * 2 ? TimeSpan.FromTicks(floor.Value.Ticks * 4) : TimeSpan.FromSeconds(2);
                }
            }
        }

        public int InFlight
        {
            get
            {
                lock (_lock)
                {
                    return _inFlight;
                }
            }
        }

        /// <summary>Waits for a place (first come, first served); the wait is not the host's and no timeout counts it.</summary>
        public async Task<HandshakeSlot> EnterAsync(CancellationToken cancellationToken)
        {
            TaskCompletionSource<HandshakeSlot> waiter;
            lock (_lock)
            {
                if (_waiting.Count == 0 && _inFlight < Limit)
                {
                    _inFlight++;
                    return new HandshakeSlot(this, _epoch);
                }

                waiter = new TaskCompletionSource<HandshakeSlot>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting.AddLast(waiter);
            }

            using (cancellationToken.Register(() => Abandon(waiter)))
            {
                var slot = await waiter.Task.ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    slot.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                }

                return slot;
            }
        }

        private void Abandon(TaskCompletionSource<HandshakeSlot> waiter)
        {
            lock (_lock)
            {
                if (!_waiting.Remove(waiter))
                {
                    return;
                }
            }

            waiter.TrySetCanceled();
        }

        /// <summary>A handshake that completed, with its latency from its place to authenticated, admitted under <paramref name="epoch"/>.</summary>
        internal void Completed(TimeSpan latency, int epoch)
        {
            string? change;
            lock (_lock)
            {
                // A handshake admitted under another limit tells of that limit, not of this one (as TCP
                // judges a window by its own packets).
                if (epoch != _epoch)
                {
                    return;
                }

                _round.Add(latency);
                change = _round.Count < Math.Max(MinimumRound, Limit) ? null : EndRound();
            }

            Tell(change);
        }

        /// <summary>A handshake that timed out after its server answered: the clearest sign of too many at once.</summary>
        internal void TimedOutAfterAnswer()
        {
            string? change;
            lock (_lock)
            {
                change = BackOff("a handshake timed out after its server answered");
            }

            Tell(change);
        }

        /// <summary>Frees a place: the handshake ended, or was parked.</summary>
        internal void Leave()
        {
            List<(TaskCompletionSource<HandshakeSlot> Waiter, int Epoch)> admitted;
            lock (_lock)
            {
                _inFlight--;
                admitted = AdmitWaiting();
            }

            Grant(admitted);
        }

        private string EndRound()
        {
            var sorted = _round.OrderBy(t => t).ToList();
            var median = sorted[sorted.Count / 2];
            _round.Clear();
            _roundMedians.Enqueue(median);
            if (_roundMedians.Count > FloorRounds)
            {
                _roundMedians.Dequeue();
            }

            var floor = Floor!.Value;
            var saturated = SaturatedShareOfRound();
            var climbed = median > _latencyCeiling || median > TimeSpan.FromTicks(floor.Ticks * 3 / 2) + Slack;
            if (climbed && saturated >= SaturatedRound)
            {
                return BackOff($"the last {sorted.Count} handshakes took {Seconds(median)} s at the median against {Seconds(floor)} s at best lately{(median > _latencyCeiling ? ", over a quarter of the connect timeout" : string.Empty)}, with this machine saturated {Percent(saturated)} of the time");
            }

            if (climbed)
            {
                // Slower hosts, not a busier runner: more at once would not slow them down.
                Status = $"up to {Limit} handshakes at once (held: {Seconds(median)} s at the median, this machine not saturated)";
                return string.Empty;
            }

            var before = Limit;
            Limit = Math.Min(Ceiling, _slowStart ? Limit * 2 : Limit + 1);
            if (Limit == before)
            {
                return string.Empty;
            }

            _epoch++;
            Status = $"up to {Limit} handshakes at once (raised: {Seconds(median)} s at the median holds)";
            return $"Handshakes at once: {before} -> {Limit} (the last {sorted.Count} took {Seconds(median)} s at the median, {Seconds(floor)} s at best lately: the latency holds).";
        }

        /// <summary>How much of the time since the round began this machine was saturated; starts the next round.</summary>
        private double SaturatedShareOfRound()
        {
            var now = _clock.UtcNow;
            var saturated = _load.SaturatedTime;
            var wall = now - _roundBegan;
            var share = wall > TimeSpan.Zero ? Math.Min(1, (saturated - _saturatedAtRoundStart).TotalSeconds / wall.TotalSeconds) : 0;
            _roundBegan = now;
            _saturatedAtRoundStart = saturated;
            return share;
        }

        private string BackOff(string why)
        {
            _slowStart = false;
            _round.Clear();
            SaturatedShareOfRound();
            var before = Limit;
            Limit = Math.Max(1, Limit / 2);
            _epoch++;
            Status = $"up to {Limit} handshakes at once (halved: {why})";
            return before == Limit ? string.Empty : $"Handshakes at once: {before} -> {Limit} ({why}).";
        }

        /// <summary>Says a change; admits waiters after a rise.</summary>
        private void Tell(string? change)
        {
            if (string.IsNullOrEmpty(change))
            {
                return;
            }

            List<(TaskCompletionSource<HandshakeSlot> Waiter, int Epoch)> admitted;
            lock (_lock)
            {
                admitted = AdmitWaiting();
            }

            Grant(admitted);
            _narrate(change!);
        }

        private List<(TaskCompletionSource<HandshakeSlot> Waiter, int Epoch)> AdmitWaiting()
        {
            var admitted = new List<(TaskCompletionSource<HandshakeSlot>, int)>();
            while (_waiting.Count > 0 && _inFlight < Limit)
            {
                admitted.Add((_waiting.First!.Value, _epoch));
                _waiting.RemoveFirst();
                _inFlight++;
            }

            return admitted;
        }

        private void Grant(List<(TaskCompletionSource<HandshakeSlot> Waiter, int Epoch)> admitted)
        {
            foreach (var (waiter, epoch) in admitted)
            {
                waiter.SetResult(new HandshakeSlot(this, epoch));
            }
        }

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);

        private static string Percent(double share) => (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>One handshake's place in its <see cref="HandshakePacer"/>: given back once, whichever way it ends.</summary>
    internal sealed class HandshakeSlot : IDisposable
    {
        private readonly HandshakePacer _pacer;
        private readonly int _epoch;
        private int _held = 1;

        /// <param name="epoch">The pacer's limit when the place was given, so that its latency counts only toward that limit's rounds.</param>
        public HandshakeSlot(HandshakePacer pacer, int epoch)
        {
            _pacer = pacer;
            _epoch = epoch;
        }

        /// <summary>The handshake completed: its latency counts toward the round, unless it was parked (its server was slow to answer, not the runner).</summary>
        public void Completed(TimeSpan latency)
        {
            if (Interlocked.Exchange(ref _held, 0) == 1)
            {
                _pacer.Completed(latency, _epoch);
                _pacer.Leave();
            }
        }

        /// <summary>The handshake timed out after its server answered: the pacer backs off.</summary>
        public void TimedOutAfterAnswer() => _pacer.TimedOutAfterAnswer();

        /// <summary>Gives the place up while the handshake goes on: its server has said nothing for a while, and the hosts behind it need not wait.</summary>
        public void Park()
        {
            if (Interlocked.Exchange(ref _held, 0) == 1)
            {
                _pacer.Leave();
            }
        }

        /// <summary>The handshake ended without a latency to count (it failed): the place is given back.</summary>
        public void Dispose() => Park();
    }
}
