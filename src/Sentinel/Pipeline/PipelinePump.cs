using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Pipeline
{
    /// <summary>
    /// Lets background work talk to the pipeline. PowerShell allows WriteObject, WriteError and the
    /// other streams only from the pipeline thread, so workers post actions here and the cmdlet's
    /// thread runs them, in order, until the work is done. The pipeline thread waits on a monitor,
    /// which blocks at once: a spinning wait (BlockingCollection's) burnt a measurable share of the
    /// CPU a short command costs, on a machine where the server needs that CPU too.
    /// </summary>
    internal sealed class PipelinePump
    {
        private readonly object _gate = new object();
        private readonly Queue<Posted> _actions = new Queue<Posted>();
        private bool _closed;

        /// <summary>Queues an action for the pipeline thread; callable from any thread.</summary>
        public void Post(Action action) => Post(action, null);

        /// <summary>
        /// Queues an action for the pipeline thread. When it will never run (the pipeline stopped before
        /// it came up), <paramref name="dropped"/> runs instead, on some thread: the place to close what
        /// the action would have handed over, such as a connected session.
        /// </summary>
        public void Post(Action action, Action? dropped)
        {
            lock (_gate)
            {
                if (!_closed)
                {
                    _actions.Enqueue(new Posted(action, dropped));
                    Monitor.Pulse(_gate);
                    return;
                }
            }

            // The pipeline stopped waiting (work done, or Ctrl+C): a late message has nowhere to go.
            dropped?.Invoke();
        }

        /// <summary>
        /// Runs posted actions on the calling thread until <paramref name="work"/> completes. On a stop
        /// it throws OperationCanceledException once the actions left over were dropped and the work
        /// ended, or <paramref name="stopGrace"/> passed.
        /// </summary>
        public void Run(Task work, TimeSpan stopGrace, CancellationToken cancellationToken)
        {
            work.ContinueWith(_ => StopTaking(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            using (cancellationToken.Register(WakeUp))
            {
                try
                {
                    while (TryTake(cancellationToken, out var posted))
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
            }

            work.GetAwaiter().GetResult();
        }

        /// <summary>The next action; false once the work ended and every action ran. Throws on a stop, before any action left.</summary>
        private bool TryTake(CancellationToken cancellationToken, out Posted posted)
        {
            lock (_gate)
            {
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (_actions.Count > 0)
                    {
                        posted = _actions.Dequeue();
                        return true;
                    }

                    if (_closed)
                    {
                        posted = null!;
                        return false;
                    }

                    Monitor.Wait(_gate);
                }
            }
        }

        private void WakeUp()
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }

        private void StopTaking()
        {
            lock (_gate)
            {
                _closed = true;
                Monitor.PulseAll(_gate);
            }
        }

        private void DropRemaining()
        {
            Posted[] left;
            lock (_gate)
            {
                _closed = true;
                left = _actions.ToArray();
                _actions.Clear();
            }

            foreach (var posted in left)
            {
                posted.Dropped?.Invoke();
            }
        }

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
