using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Pacing;
using Sentinel.Tests.Remediation;
using Xunit;

namespace Sentinel.Tests.Pacing
{
    /// <summary>How many handshakes run at once: grown while their latency holds, halved when it climbs, -ThrottleLimit the ceiling.</summary>
    public sealed class HandshakePacerTests
    {
        private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(100);
        private readonly List<string> _said = new List<string>();
        private readonly FakeClock _clock = new FakeClock();

        /// <param name="saturated">Whether this machine is saturated all the time, or never.</param>
        private HandshakePacer Pacer(int ceiling = 1000, bool saturated = true) =>
            new HandshakePacer(ceiling, TimeSpan.FromSeconds(10), line => { lock (_said) { _said.Add(line); } }, saturated ? FakeRunnerLoad.AlwaysSaturated(_clock) : new FakeRunnerLoad(), _clock);

        /// <summary>Runs one round: as many handshakes as the limit (at least the minimum round), each taking <paramref name="latency"/>, together.</summary>
        private async Task Round(HandshakePacer pacer, TimeSpan latency)
        {
            _clock.Advance(latency);
            var count = Math.Max(HandshakePacer.MinimumRound, pacer.Limit);
            var slots = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => pacer.EnterAsync(CancellationToken.None)));
            foreach (var slot in slots)
            {
                slot.Completed(latency);
            }
        }

        [Fact]
        public void StartsAtSixteenOrTheThrottleLimitWhenLower()
        {
            Assert.Equal(HandshakePacer.FirstLimit, Pacer().Limit);
            Assert.Equal(5, Pacer(ceiling: 5).Limit);
        }

        [Fact]
        public async Task DoublesWhileTheLatencyHoldsButNeverPassesTheThrottleLimit()
        {
            var pacer = Pacer(ceiling: 100);
            await Round(pacer, Fast);
            Assert.Equal(32, pacer.Limit);
            await Round(pacer, Fast);
            Assert.Equal(64, pacer.Limit);
            await Round(pacer, Fast);
            Assert.Equal(100, pacer.Limit);
            await Round(pacer, Fast);
            Assert.Equal(100, pacer.Limit);
            Assert.Contains(_said, line => line.StartsWith("Handshakes at once: 16 -> 32 (", StringComparison.Ordinal) && line.Contains("the latency holds"));
        }

        [Fact]
        public async Task HalvesWhenTheMedianClimbsThenGrowsByOne()
        {
            var pacer = Pacer();
            await Round(pacer, Fast);
            await Round(pacer, Fast);
            Assert.Equal(64, pacer.Limit);
            await Round(pacer, TimeSpan.FromMilliseconds(900));
            Assert.Equal(32, pacer.Limit);
            Assert.Contains(_said, line => line.StartsWith("Handshakes at once: 64 -> 32 (", StringComparison.Ordinal) && line.Contains("0.90 s at the median against 0.10 s at best lately, with this machine saturated 100% of the time"));
            Assert.Contains("halved", pacer.Status, StringComparison.Ordinal);
            await Round(pacer, Fast);
            Assert.Equal(33, pacer.Limit);
        }

        [Fact]
        public async Task HalvesWhenTheMedianPassesAQuarterOfTheConnectTimeoutWhateverTheFloor()
        {
            var pacer = Pacer();
            await Round(pacer, TimeSpan.FromSeconds(2.6));
            Assert.Equal(8, pacer.Limit);
            Assert.Contains(_said, line => line.Contains("over a quarter of the connect timeout"));
        }

        [Fact]
        public async Task AClimbOnAMachineThatIsNotSaturatedHoldsTheLimit()
        {
            var pacer = Pacer(saturated: false);
            await Round(pacer, Fast);
            Assert.Equal(32, pacer.Limit);
            await Round(pacer, TimeSpan.FromSeconds(3));
            Assert.Equal(32, pacer.Limit);
            Assert.Contains("held", pacer.Status, StringComparison.Ordinal);
            await Round(pacer, Fast);
            Assert.Equal(64, pacer.Limit);
        }

        [Fact]
        public async Task AHandshakeThatTimedOutAfterItsServerAnsweredHalvesTheLimit()
        {
            var pacer = Pacer();
            using (var slot = await pacer.EnterAsync(CancellationToken.None))
            {
                slot.TimedOutAfterAnswer();
            }

            Assert.Equal(8, pacer.Limit);
            Assert.Equal(0, pacer.InFlight);
        }

        [Fact]
        public async Task HandshakesAdmittedUnderAnEarlierLimitDoNotCountTowardTheNewOne()
        {
            var pacer = Pacer();
            var before = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => pacer.EnterAsync(CancellationToken.None)));
            before[0].TimedOutAfterAnswer();
            Assert.Equal(8, pacer.Limit);

            // The slow ones admitted under 16 finish: they tell nothing about 8, so no second halving.
            foreach (var slot in before)
            {
                slot.Completed(TimeSpan.FromSeconds(5));
            }

            Assert.Equal(8, pacer.Limit);
            Assert.Single(_said);
            await Round(pacer, Fast);
            Assert.Equal(9, pacer.Limit);
        }

        [Fact]
        public async Task WaitersAreAdmittedFirstComeFirstServedAsPlacesFree()
        {
            var pacer = Pacer(ceiling: 2);
            var first = await pacer.EnterAsync(CancellationToken.None);
            var second = await pacer.EnterAsync(CancellationToken.None);
            var third = pacer.EnterAsync(CancellationToken.None);
            var fourth = pacer.EnterAsync(CancellationToken.None);
            Assert.False(third.IsCompleted);
            first.Dispose();
            var admitted = await third;
            Assert.False(fourth.IsCompleted);
            second.Dispose();
            (await fourth).Dispose();
            admitted.Dispose();
            Assert.Equal(0, pacer.InFlight);
        }

        [Fact]
        public async Task AWaiterThatIsStoppedTakesNoPlace()
        {
            var pacer = Pacer(ceiling: 1);
            var holder = await pacer.EnterAsync(CancellationToken.None);
            using (var stop = new CancellationTokenSource())
            {
                var waiting = pacer.EnterAsync(stop.Token);
                stop.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            }

            holder.Dispose();
            Assert.Equal(0, pacer.InFlight);
            (await pacer.EnterAsync(CancellationToken.None)).Dispose();
        }

        [Fact]
        public async Task AParkedHandshakeFreesItsPlaceAndItsLateCompletionDoesNotCount()
        {
            var pacer = Pacer(ceiling: 1);
            var silent = await pacer.EnterAsync(CancellationToken.None);
            var next = pacer.EnterAsync(CancellationToken.None);
            silent.Park();
            (await next).Dispose();
            silent.Completed(TimeSpan.FromSeconds(9));
            silent.Dispose();
            Assert.Equal(0, pacer.InFlight);
            Assert.Null(pacer.Floor);
        }
    }
}
