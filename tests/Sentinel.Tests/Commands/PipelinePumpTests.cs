using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Commands;
using Sentinel.Pipeline;
using Sentinel.Tests.Fakes;
using Xunit;

namespace Sentinel.Tests.Commands
{
    /// <summary>A stop never drops what work hands to the pipeline without closing it, and waits (bounded) for the work.</summary>
    public sealed class PipelinePumpTests
    {
        // Longer than the 30 s hang ceiling, so a pump that waited out the work fails there.
        private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

        [Fact]
        public void PostedActionsRunOnTheCallingThreadInOrder()
        {
            var pump = new PipelinePump();
            var thread = Environment.CurrentManagedThreadId;
            var seen = new System.Collections.Generic.List<int>();
            pump.Run(Task.Run(() =>
            {
                pump.Post(() => seen.Add(Environment.CurrentManagedThreadId == thread ? 1 : -1));
                pump.Post(() => seen.Add(2));
            }), Deadline, CancellationToken.None);
            Assert.Equal(new[] { 1, 2 }, seen);
        }

        [Fact]
        public void ASessionConnectedAfterTheStopIsClosedAndTheStopWaitsForTheWork()
        {
            var pump = new PipelinePump();
            using var stop = new CancellationTokenSource();
            var queuedBeforeStop = new ScriptedConnection("queued");
            var connectedAfterStop = new ScriptedConnection("late");
            var emitted = false;
            var workEnded = false;
            using var queued = new ManualResetEventSlim();

            var work = Task.Run(() =>
            {
                // Posted while the pipeline thread is busy with an earlier action, then the stop comes.
                pump.Post(() =>
                {
                    queued.Wait(Deadline);
                    stop.Cancel();
                });
                pump.Post(() => emitted = true, dropped: () => queuedBeforeStop.Dispose());
                queued.Set();

                // A connect that finishes after the stop, as an in-flight SSH handshake does.
                Assert.True(SpinWait.SpinUntil(() => stop.IsCancellationRequested, Deadline));
                pump.Post(() => emitted = true, dropped: () => connectedAfterStop.Dispose());
                workEnded = true;
            });

            Assert.ThrowsAny<OperationCanceledException>(() => pump.Run(work, Deadline, stop.Token));
            Assert.True(workEnded, "the stop waits for in-flight work");
            Assert.False(emitted);
            Assert.Equal(1, queuedBeforeStop.DisposeCount);
            Assert.Equal(1, connectedAfterStop.DisposeCount);
        }

        [Fact]
        public void TheWaitForWorkAfterAStopIsBounded()
        {
            var pump = new PipelinePump();
            using var stop = new CancellationTokenSource();
            using var never = new ManualResetEventSlim();
            var work = Task.Run(() => never.Wait(Deadline));
            stop.Cancel();
            var clock = Stopwatch.StartNew();
            Assert.ThrowsAny<OperationCanceledException>(() => pump.Run(work, TimeSpan.FromMilliseconds(200), stop.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
            never.Set();
        }

        [Fact]
        public async Task WhenAnActionFailsLaterPostsAreDroppedNotLeft()
        {
            var pump = new PipelinePump();
            var late = new ScriptedConnection("late");
            using var failed = new ManualResetEventSlim();
            var work = Task.Run(() =>
            {
                pump.Post(() =>
                {
                    failed.Set();
                    throw new InvalidOperationException("downstream stopped");
                });
                Assert.True(failed.Wait(Deadline));
                pump.Post(() => { }, dropped: () => late.Dispose());
            });

            Assert.Throws<InvalidOperationException>(() => pump.Run(work, Deadline, CancellationToken.None));
            await work;
            Assert.Equal(1, late.DisposeCount);
        }
    }
}
