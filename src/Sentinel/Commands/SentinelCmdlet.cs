using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;

namespace Sentinel.Commands
{
    /// <summary>
    /// Base of every Sentinel cmdlet: one cancellation token that Ctrl+C (StopProcessing) cancels and
    /// every wait observes, and the pump that brings background results to the pipeline thread.
    /// </summary>
    public abstract class SentinelCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
        protected CancellationToken StopToken => _stopping.Token;

        /// <summary>
        /// Cancels on a pool thread: cancellation runs its callbacks inline, and ending a remote command
        /// can wait for the server, which must not delay Ctrl+C.
        /// </summary>
        protected override void StopProcessing() => ThreadPool.QueueUserWorkItem(_ => Cancel());

        private void Cancel()
        {
            try
            {
                _stopping.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The cmdlet finished meanwhile.
            }
        }

        public void Dispose() => _stopping.Dispose();

        /// <summary>
        /// Runs <paramref name="work"/> off the pipeline thread while this thread writes what it posts.
        /// Returns when the work is done, or throws PipelineStoppedException at once on Ctrl+C.
        /// </summary>
        internal void RunPumped(Func<PipelinePump, Task> work)
        {
            using (var pump = new PipelinePump())
            {
                try
                {
                    pump.Run(Task.Run(() => work(pump)), StopToken);
                }
                catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
                }
            }
        }

        internal void WriteSentinelError(SentinelException error, object? target = null) => WriteError(error.ToErrorRecord(target));

        internal void ThrowSentinelError(SentinelException error, object? target = null) => ThrowTerminatingError(error.ToErrorRecord(target));
    }
}
