using System;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Pacing;
using Sentinel.Tests.Remediation;
using Xunit;

namespace Sentinel.Tests.Pacing
{
    /// <summary>A handshake's timeout counts the host's time: every second before the server answers, none this machine spent saturated after.</summary>
    public sealed class HandshakeClockTests
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
        private readonly FakeClock _clock = new FakeClock();

        private async Task<(HandshakeClock Handshake, TimeSpan Took)> RunUntilExpired(FakeRunnerLoad load, Action<HandshakeClock>? whenStarted = null, HandshakeSlot? slot = null)
        {
            var started = _clock.UtcNow;
            var handshake = new HandshakeClock(Timeout, TimeSpan.Zero, slot, TimeSpan.FromSeconds(2), load, _clock);
            whenStarted?.Invoke(handshake);
            using (var expire = new CancellationTokenSource())
            {
                await handshake.WatchAsync(expire, CancellationToken.None);
                Assert.True(expire.IsCancellationRequested);
            }

            Assert.True(handshake.Expired);
            return (handshake, _clock.UtcNow - started);
        }

        [Fact]
        public async Task AHostThatNeverAnswersTimesOutAtTheTimeoutEvenWhenThisMachineIsSaturated()
        {
            var (handshake, took) = await RunUntilExpired(FakeRunnerLoad.AlwaysSaturated(_clock));
            Assert.Equal(Timeout, took);
            Assert.Contains("the host sent nothing in 10.0 s", handshake.Describe(), StringComparison.Ordinal);
        }

        [Fact]
        public async Task AfterTheServerAnsweredTimeThisMachineSpentSaturatedDoesNotCountUpToSixTimesTheTimeout()
        {
            var (handshake, took) = await RunUntilExpired(FakeRunnerLoad.AlwaysSaturated(_clock), h => h.ServerAnswered("SSH-2.0-OpenSSH_9.2"));
            Assert.Equal(TimeSpan.FromTicks(Timeout.Ticks * HandshakeClock.StretchFactor), took);
            var story = handshake.Describe();
            Assert.Contains("answered after 0.0 s ('SSH-2.0-OpenSSH_9.2') but the key exchange had not finished 60.0 s after the start", story, StringComparison.Ordinal);
            Assert.Contains("this machine was saturated for 60.0 s of that, and 6 times the connect timeout is the longest Sentinel waits", story, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AfterTheServerAnsweredOnAQuietMachineTheTimeoutIsTheTimeout()
        {
            var (handshake, took) = await RunUntilExpired(new FakeRunnerLoad(), h =>
            {
                h.ServerAnswered("SSH-2.0-x");
                h.KeyExchanged();
            });
            Assert.Equal(Timeout, took);
            Assert.Contains("the key exchange was done after 0.0 s, but authentication had not finished 10.0 s after the start", handshake.Describe(), StringComparison.Ordinal);
            Assert.DoesNotContain("saturated", handshake.Describe(), StringComparison.Ordinal);
        }

        [Fact]
        public async Task AServerSilentPastTheParkTimeGivesItsPlaceUp()
        {
            var pacer = new HandshakePacer(1, Timeout, _ => { }, new FakeRunnerLoad(), _clock);
            var slot = await pacer.EnterAsync(CancellationToken.None);
            var behind = pacer.EnterAsync(CancellationToken.None);
            await RunUntilExpired(new FakeRunnerLoad(), slot: slot);
            (await behind).Dispose();
            Assert.Equal(0, pacer.InFlight);
        }

        [Fact]
        public async Task AServerSilentOnASaturatedMachineKeepsItsPlaceOrPacingWouldBeUndone()
        {
            var load = FakeRunnerLoad.AlwaysSaturated(_clock);
            var pacer = new HandshakePacer(1, Timeout, _ => { }, load, _clock);
            var slot = await pacer.EnterAsync(CancellationToken.None);
            var behind = pacer.EnterAsync(CancellationToken.None);
            await RunUntilExpired(load, slot: slot);
            Assert.False(behind.IsCompleted);
            slot.Dispose();
            (await behind).Dispose();
        }

        [Fact]
        public async Task StoppingTheWatchEndsItWithoutExpiring()
        {
            var handshake = new HandshakeClock(Timeout, TimeSpan.Zero, null, Timeout, new FakeRunnerLoad(), _clock);
            using (var expire = new CancellationTokenSource())
            using (var stop = new CancellationTokenSource())
            {
                stop.Cancel();
                await handshake.WatchAsync(expire, stop.Token);
                Assert.False(expire.IsCancellationRequested);
            }

            Assert.False(handshake.Expired);
        }
    }

    /// <summary>A runner load that is saturated all the time (from when it was made) or never.</summary>
    internal sealed class FakeRunnerLoad : IRunnerLoad
    {
        private readonly Func<TimeSpan> _saturated;

        public FakeRunnerLoad(Func<TimeSpan>? saturated = null)
        {
            _saturated = saturated ?? (() => TimeSpan.Zero);
        }

        public static FakeRunnerLoad AlwaysSaturated(FakeClock clock)
        {
            var since = clock.UtcNow;
            return new FakeRunnerLoad(() => clock.UtcNow - since);
        }

        public int Watchers { get; private set; }

        public TimeSpan SaturatedTime => _saturated();

        public IDisposable Watch()
        {
            Watchers++;
            return new Lease(this);
        }

        private sealed class Lease : IDisposable
        {
            private readonly FakeRunnerLoad _load;

            public Lease(FakeRunnerLoad load)
            {
                _load = load;
            }

            public void Dispose() => _load.Watchers--;
        }
    }
}
