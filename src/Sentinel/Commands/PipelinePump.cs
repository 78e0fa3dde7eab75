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
        private readonly BlockingCollection<Action> _actions = new BlockingCollection<Action>();

        /// <summary>Queues an action for the pipeline thread; callable from any thread.</summary>
        public void Post(Action action)
        {
            try
            {
                _actions.Add(action);
            }
            catch (Exception e) when (e is InvalidOperationException || e is ObjectDisposedException)
            {
                // The pipeline stopped waiting (work done, or Ctrl+C): a late message has nowhere to go.
            }
        }

        /// <summary>Runs posted actions on the calling thread until <paramref name="work"/> completes.</summary>
        public void Run(Task work, CancellationToken cancellationToken)
        {
            work.ContinueWith(_ => _actions.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            foreach (var action in _actions.GetConsumingEnumerable(cancellationToken))
            {
                action();
            }

            work.GetAwaiter().GetResult();
        }

        public void Dispose() => _actions.Dispose();
    }
}
