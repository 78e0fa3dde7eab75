using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Commands
{
    /// <summary>
    /// Lets background work talk to the pipeline. PowerShell allows WriteObject, WriteError and the
    /// other streams only from the pipeline thread, so workers post actions here and the cmdlet's
    /// thread runs them, in order, until the work is done.
    /// </summary>
    internal sealed class PipelinePump : IDisposable
    {
        private readonly BlockingCollection<Posted> _actions = new BlockingCollection<Posted>();

        /// <summary>Queues an action for the pipeline thread; callable from any thread.</summary>
        public void Post(Action action) => Post(action, null);

        /// <summary>
        /// Queues an action for the pipeline thread. When it will never run (the pipeline stopped before
        /// it came up), <paramref name="dropped"/> runs instead, on some thread: the place to close what
        /// the action would have handed over, such as a connected session.
        /// </summary>
        public void Post(Action action, Action? dropped)
        {
            try
            {
                _actions.Add(new Posted(action, dropped));
            }
            catch (Exception e) when (e is InvalidOperationException || e is ObjectDisposedException)
            {
                // The pipeline stopped waiting (work done, or Ctrl+C): a late message has nowhere to go.
                dropped?.Invoke();
            }
        }

        /// <summary>
        /// Runs posted actions on the calling thread until <paramref name="work"/> completes. On a stop
        /// it throws OperationCanceledException once the actions left over were dropped and the work
        /// ended, or <paramref name="stopGrace"/> passed.
        /// </summary>
        public void Run(Task work, CancellationToken cancellationToken, TimeSpan stopGrace)
        {
            work.ContinueWith(_ => StopTaking(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try
            {
                foreach (var posted in _actions.GetConsumingEnumerable(cancellationToken))
                {
                    posted.Action();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Nothing more reaches the pipeline: what was posted and what is posted from now on is
                // dropped, and in-flight work gets a bounded time to close what it holds.
                DropRemaining();
                try
                {
                    work.Wait(stopGrace);
                }
                catch (AggregateException)
                {
                    // The work ended by the stop (or failed meanwhile): the stop is what the caller reports.
                }

                throw;
            }
            catch
            {
                // An action failed (the pipeline downstream stopped): later posts must not wait in vain.
                DropRemaining();
                throw;
            }

            work.GetAwaiter().GetResult();
        }

        private void StopTaking()
        {
            try
            {
                _actions.CompleteAdding();
            }
            catch (ObjectDisposedException)
            {
                // The work outlived a stop's grace period; the pump is gone already.
            }
        }

        private void DropRemaining()
        {
            StopTaking();
            while (_actions.TryTake(out var posted))
            {
                posted.Dropped?.Invoke();
            }
        }

        public void Dispose() => _actions.Dispose();

        private sealed class Posted
        {
            public Posted(Action action, Action? dropped)
            {
                Action = action;
                Dropped = dropped;
            }

            public Action Action { get; }

            public Action? Dropped { get; }
        }
    }
}
