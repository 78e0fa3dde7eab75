using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Hosts;
using Xunit;

namespace Sentinel.Tests.Hosts
{
    /// <summary>FanOut with work the test holds and releases: how many run at once, what progress says, and what a stop does.</summary>
    public sealed class FanOutTests
    {
        private static readonly TimeSpan HangCeiling = TimeSpan.FromSeconds(30);

        /// <summary>Work that waits, per item, until the test releases it, and tells the test when each starts.</summary>
        private sealed class HeldWork
        {
            private readonly ConcurrentDictionary<int, TaskCompletionSource<bool>> _gates = new ConcurrentDictionary<int, TaskCompletionSource<bool>>();
            private readonly BlockingCollection<int> _started = new BlockingCollection<int>();
            private int _running;
            private int _maxRunning;

            public int MaxRunning => Volatile.Read(ref _maxRunning);

            public ConcurrentQueue<int> Finished { get; } = new ConcurrentQueue<int>();

            public async Task Run(int item)
            {
                var now = Interlocked.Increment(ref _running);
                int max;
                while (now > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, max) != max)
                {
                }

                _started.Add(item);
                await Gate(item).Task.ConfigureAwait(false);
                Interlocked.Decrement(ref _running);
                Finished.Enqueue(item);
            }

            /// <summary>The next item to start, in the order they started.</summary>
            public int NextStarted()
            {
                Assert.True(_started.TryTake(out var item, HangCeiling), "no work started within the hang ceiling");
                return item;
            }

            public bool AnyMoreStarted => _started.Count > 0;

            public void Release(int item) => Gate(item).TrySetResult(true);

            private TaskCompletionSource<bool> Gate(int item) => _gates.GetOrAdd(item, _ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        public async Task NeverRunsMoreThanTheThrottleLimitAtOnceAndRunsEveryItemOnce(int throttleLimit)
        {
            var items = Enumerable.Range(1, 7).ToList();
            var work = new HeldWork();
            var run = FanOut.RunAsync(items, throttleLimit, (done, total) => { }, work.Run, CancellationToken.None);

            // Hold the first ones until the limit is reached, then let one go for each that starts.
            var started = new List<int>();
            for (var i = 0; i < throttleLimit; i++)
            {
                started.Add(work.NextStarted());
            }

            for (var next = 0; next < items.Count; next++)
            {
                work.Release(started[next]);
                if (started.Count < items.Count)
                {
                    started.Add(work.NextStarted());
                }
            }

            await run.WaitAsync(HangCeiling);
            Assert.Equal(throttleLimit, work.MaxRunning);
            Assert.Equal(items, started.OrderBy(i => i));
            Assert.Equal(items, work.Finished.OrderBy(i => i));
        }

        [Fact]
        public async Task ReportsProgressOnceAsEachOfSeveralHostsFinishes()
        {
            var progress = new ConcurrentQueue<(int Done, int Total)>();
            await FanOut.RunAsync(new[] { "a", "b", "c", "d" }, 2, (done, total) => progress.Enqueue((done, total)), item => Task.CompletedTask, CancellationToken.None).WaitAsync(HangCeiling);
            Assert.Equal(new[] { (1, 4), (2, 4), (3, 4), (4, 4) }, progress.OrderBy(p => p.Done));
        }

        [Fact]
        public async Task AFailingHostStillCountsAsFinishedAndItsExceptionComesOutAfterTheOthers()
        {
            var progress = new ConcurrentQueue<int>();
            var ran = new ConcurrentQueue<string>();
            var run = FanOut.RunAsync(new[] { "a", "bad", "c" }, 1, (done, total) => progress.Enqueue(done), item =>
            {
                ran.Enqueue(item);
                return item == "bad" ? Task.FromException(new InvalidOperationException("bad host")) : Task.CompletedTask;
            }, CancellationToken.None);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(HangCeiling));
            Assert.Equal("bad host", error.Message);
            Assert.Equal(new[] { "a", "bad", "c" }, ran);
            Assert.Equal(new[] { 1, 2, 3 }, progress.OrderBy(p => p));
        }

        [Fact]
        public async Task OneHostReportsNoProgress()
        {
            var progress = 0;
            await FanOut.RunAsync(new[] { "only" }, 4, (done, total) => progress++, item => Task.CompletedTask, CancellationToken.None).WaitAsync(HangCeiling);
            Assert.Equal(0, progress);
        }

        [Fact]
        public async Task AStopLaunchesNoMoreHostsButAwaitsTheStartedOnes()
        {
            var items = Enumerable.Range(1, 5).ToList();
            var work = new HeldWork();
            using var stop = new CancellationTokenSource();
            var run = FanOut.RunAsync(items, 2, (done, total) => { }, work.Run, stop.Token);
            var first = work.NextStarted();
            var second = work.NextStarted();

            stop.Cancel();
            var finishedWhenRunEnded = -1;
            var ended = run.ContinueWith(_ => finishedWhenRunEnded = work.Finished.Count, TaskScheduler.Default);
            Assert.False(run.IsCompleted, "the fan-out ended while started hosts were still working");

            work.Release(first);
            work.Release(second);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(HangCeiling));
            await ended.WaitAsync(HangCeiling);

            Assert.Equal(2, finishedWhenRunEnded);
            Assert.False(work.AnyMoreStarted);
            Assert.Equal(new[] { first, second }.OrderBy(i => i), work.Finished.OrderBy(i => i));
        }
    }
}
