using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Remediation;

namespace Sentinel.Pacing
{
    /// <summary>
    /// One handshake's connect timeout, counted against the host and not against this machine. The
    /// clock starts when the handshake gets its place (<see cref="HandshakePacer"/>), not while it
    /// waited behind other hosts. Until the server answers (its SSH version line), every second counts:
    /// a host that never answers (a black hole, a dead port) is reported at the timeout. Once it has
    /// answered, the host is known to be there, and time this machine spent saturated
    /// (<see cref="IRunnerLoad"/>) does not count: a handshake starved of CPU by the run itself waits
    /// instead of failing, up to <see cref="StretchFactor"/> times the timeout in all. A handshake whose
    /// server has not answered after the pacer's park time, on a machine that was not saturated for half
    /// of that time, gives its place up and goes on: that host is slow or gone, not starved by the run
    /// (whose starved handshakes keep their places, or pacing would be undone).
    /// </summary>
    internal sealed class HandshakeClock : IDisposable
    {
        /// <summary>The longest a handshake runs, in connect timeouts, however saturated this machine is.</summary>
        public const int StretchFactor = 6;

        private readonly object _lock = new object();
        private readonly IRunnerLoad _load;
        private readonly IClock _clock;
        private readonly HandshakeSlot? _slot;
        private readonly TimeSpan _parkAfter;
        private readonly DateTime _started;
        private readonly TimeSpan _saturatedAtStart;
        private readonly IDisposable _watchingLoad;
        private DateTime? _answered;
        private TimeSpan _saturatedAtAnswer;
        private DateTime? _keyExchanged;
        private string? _serverVersion;
        private DateTime? _expired;
        private TimeSpan _discounted;

        /// <param name="waited">How long the handshake waited for its place before this clock started, for the error.</param>
        public HandshakeClock(TimeSpan timeout, TimeSpan waited, HandshakeSlot? slot, TimeSpan parkAfter, IRunnerLoad load, IClock clock)
        {
            Timeout = timeout;
            Waited = waited;
            _slot = slot;
            _parkAfter = parkAfter;
            _load = load;
            _clock = clock;
            _started = clock.UtcNow;
            _watchingLoad = load.Watch();
            _saturatedAtStart = load.SaturatedTime;
        }

        public TimeSpan Timeout { get; }

        public TimeSpan Waited { get; }

        /// <summary>The most the transport may take, however the time is counted: the stretched limit.</summary>
        public TimeSpan HardLimit => TimeSpan.FromTicks(Timeout.Ticks * StretchFactor);

        public TimeSpan Elapsed => _clock.UtcNow - _started;

        public bool Expired
        {
            get
            {
                lock (_lock)
                {
                    return _expired.HasValue;
                }
            }
        }

        public bool Answered
        {
            get
            {
                lock (_lock)
                {
                    return _answered.HasValue;
                }
            }
        }

        /// <summary>The server's version line arrived: from now on, a saturated machine's time is not the host's.</summary>
        public void ServerAnswered(string serverVersion)
        {
            lock (_lock)
            {
                if (_answered == null)
                {
                    _answered = _clock.UtcNow;
                    _saturatedAtAnswer = _load.SaturatedTime;
                    _serverVersion = serverVersion;
                }
            }
        }

        /// <summary>The host key was judged: the key exchange is done.</summary>
        public void KeyExchanged()
        {
            lock (_lock)
            {
                _keyExchanged ??= _clock.UtcNow;
            }
        }

        /// <summary>
        /// Cancels <paramref name="expire"/> when the host's time is up (or the stretched limit is
        /// reached); parks the handshake's place when its server is slow to answer on a machine that is
        /// not saturated. Returns when <paramref name="stop"/> is cancelled or the time is up.
        /// </summary>
        public async Task WatchAsync(CancellationTokenSource expire, CancellationToken stop)
        {
            var parked = false;
            var nextParkCheck = _parkAfter;
            while (!stop.IsCancellationRequested)
            {
                TimeSpan wait;
                lock (_lock)
                {
                    var now = _clock.UtcNow;
                    var wall = now - _started;
                    var hostTime = wall - Discount(now);
                    if (hostTime >= Timeout || wall >= HardLimit)
                    {
                        _expired = now;
                        _discounted = Discount(now);
                        break;
                    }

                    wait = Min(Timeout - hostTime, HardLimit - wall);
                    if (_answered == null && !parked && _slot != null)
                    {
                        if (wall >= nextParkCheck && (_load.SaturatedTime - _saturatedAtStart).Ticks * 2 < wall.Ticks)
                        {
                            _slot.Park();
                            parked = true;
                        }
                        else
                        {
                            // A busy machine explains a late answer: check again later.
                            nextParkCheck = wall >= nextParkCheck ? wall + _parkAfter : nextParkCheck;
                            wait = Min(wait, nextParkCheck - wall);
                        }
                    }
                }

                try
                {
                    await _clock.Delay(wait, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (!stop.IsCancellationRequested)
            {
                expire.Cancel();
            }
        }

        /// <summary>What the handshake did and when, for the timeout error.</summary>
        public string Describe()
        {
            lock (_lock)
            {
                var ended = _expired ?? _clock.UtcNow;
                var wall = ended - _started;
                string story;
                if (_answered == null)
                {
                    story = $"the host sent nothing in {Seconds(wall)} s (no TCP connection, or no SSH version line on it)";
                }
                else if (_keyExchanged == null)
                {
                    story = $"the server answered after {Seconds(_answered.Value - _started)} s ('{_serverVersion}') but the key exchange had not finished {Seconds(wall)} s after the start";
                }
                else
                {
                    story = $"the server answered after {Seconds(_answered.Value - _started)} s ('{_serverVersion}') and the key exchange was done after {Seconds(_keyExchanged.Value - _started)} s, but authentication had not finished {Seconds(wall)} s after the start";
                }

                if (_discounted > TimeSpan.Zero)
                {
                    story += wall >= HardLimit
                        ? $"; this machine was saturated for {Seconds(_discounted)} s of that, and {StretchFactor} times the connect timeout is the longest Sentinel waits"
                        : $"; this machine was saturated for {Seconds(_discounted)} s of that, which did not count";
                }

                if (Waited >= TimeSpan.FromMilliseconds(100))
                {
                    story += $". It first waited {Seconds(Waited)} s for its turn among the handshakes at once, which did not count";
                }

                return story;
            }
        }

        public void Dispose() => _watchingLoad.Dispose();

        /// <summary>Saturated time since the server answered, no more than the time since then.</summary>
        private TimeSpan Discount(DateTime now)
        {
            if (_answered == null)
            {
                return TimeSpan.Zero;
            }

            return Min(_load.SaturatedTime - _saturatedAtAnswer, now - _answered.Value);
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0#", CultureInfo.InvariantCulture);
    }
}
