using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Pacing
{
    /// <summary>
    /// How many SSH handshakes one cmdlet runs at once. -ThrottleLimit is the ceiling, not the pace: a
    /// handshake is CPU work on both ends, and a fan-out that starts more than the runner and the fleet
    /// can carry makes every one of them slow, until healthy hosts miss their connect timeout. So the
    /// number in flight follows the handshakes' own latency, as TCP follows its round trips (additive
    /// increase, multiplicative decrease): after each round (as many handshakes as the limit, at least
    /// <see cref="MinimumRound"/>), a median latency that holds (within twice the lowest median of the
    /// last rounds, and under a quarter of the connect timeout) raises the limit, doubling until the first
    /// back-off and by one after it; a median that climbs, or a handshake that timed out after its server
    /// answered, halves it. Connections already open are not counted: only handshakes hold a place, and a
    /// handshake whose server has not answered within <see cref="ParkAfter"/> gives its place up, so hosts
    /// that never answer (black holes) do not stall the hosts behind them.
    /// </summary>
    internal sealed class HandshakePacer
    {
        public const int FirstLimit = 16;
        public const int MinimumRound = 8;
        private const int FloorRounds = 20;
        private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(50);

        private readonly object _lock = new object();
        private readonly LinkedList<TaskCompletionSource<HandshakeSlot>> _waiting = new LinkedList<TaskCompletionSource<HandshakeSlot>>();
        private readonly List<TimeSpan> _round = new List<TimeSpan>();
        private readonly Queue<TimeSpan> _roundMedians = new Queue<TimeSpan>();
        private readonly TimeSpan _latencyCeiling;
        private readonly Action<string> _narrate;
        private bool _slowStart = true;
        private int _inFlight;

        /// <param name="ceiling">-ThrottleLimit: never more handshakes than this at once.</param>
        /// <param name="connectTimeout">The connect timeout: a round whose median climbs past a quarter of it backs off whatever the floor.</param>
        /// <param name="narrate">Told each change of the limit and why (the cmdlet's verbose stream); called under no lock.</param>
        public HandshakePacer(int ceiling, TimeSpan connectTimeout, Action<string> narrate)
        {
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
                    return new HandshakeSlot(this);
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

        /// <summary>A handshake that completed, with its latency from its place to authenticated.</summary>
        internal void Completed(TimeSpan latency)
        {
            string? change;
            lock (_lock)
            {
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
            List<TaskCompletionSource<HandshakeSlot>> admitted;
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
            var holding = TimeSpan.FromTicks(floor.Ticks * 2) + Slack;
            if (median > _latencyCeiling)
            {
                return BackOff($"the last {sorted.Count} handshakes took {Seconds(median)} s at the median, over a quarter of the connect timeout");
            }

            if (median > holding)
            {
                return BackOff($"the last {sorted.Count} handshakes took {Seconds(median)} s at the median, against {Seconds(floor)} s at best lately: the runner or the fleet is saturated");
            }

            var before = Limit;
            Limit = Math.Min(Ceiling, _slowStart ? Limit * 2 : Limit + 1);
            if (Limit == before)
            {
                return string.Empty;
            }

            Status = $"up to {Limit} handshakes at once (raised: {Seconds(median)} s at the median holds)";
            return $"Handshakes at once: {before} -> {Limit} (the last {sorted.Count} took {Seconds(median)} s at the median, {Seconds(floor)} s at best lately: the latency holds).";
        }

        private string BackOff(string why)
        {
            _slowStart = false;
            _round.Clear();
            var before = Limit;
            Limit = Math.Max(1, Limit / 2);
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

            List<TaskCompletionSource<HandshakeSlot>> admitted;
            lock (_lock)
            {
                admitted = AdmitWaiting();
            }

            Grant(admitted);
            _narrate(change!);
        }

        private List<TaskCompletionSource<HandshakeSlot>> AdmitWaiting()
        {
            var admitted = new List<TaskCompletionSource<HandshakeSlot>>();
            while (_waiting.Count > 0 && _inFlight < Limit)
            {
                admitted.Add(_waiting.First!.Value);
                _waiting.RemoveFirst();
                _inFlight++;
            }

            return admitted;
        }

        private void Grant(List<TaskCompletionSource<HandshakeSlot>> admitted)
        {
            foreach (var waiter in admitted)
            {
                waiter.SetResult(new HandshakeSlot(this));
            }
        }

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
    }

    /// <summary>One handshake's place in its <see cref="HandshakePacer"/>: given back once, whichever way it ends.</summary>
    internal sealed class HandshakeSlot : IDisposable
    {
        private readonly HandshakePacer _pacer;
        private int _held = 1;

        public HandshakeSlot(HandshakePacer pacer)
        {
            _pacer = pacer;
        }

        /// <summary>The handshake completed: its latency counts toward the round, unless it was parked (its server was slow to answer, not the runner).</summary>
        public void Completed(TimeSpan latency)
        {
            if (Interlocked.Exchange(ref _held, 0) == 1)
            {
                _pacer.Completed(latency);
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
