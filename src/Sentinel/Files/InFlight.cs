using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Files
{
    /// <summary>
    /// Runs one step for many files with a bounded number in flight on the one SFTP channel: each request
    /// costs a round trip, so small files go as fast as the channel answers only when their requests overlap.
    /// </summary>
    internal static class InFlight
    {
        /// <summary>Files whose steps run at once; OpenSSH's sftp-server answers requests in order, so more only queue.</summary>
        public const int Width = 32;

        /// <summary>Runs <paramref name="step"/> for 0 to count-1, at most <see cref="Width"/> at once; a stop ends it before the next index starts.</summary>
        public static Task ForEachAsync(int count, Func<int, Task> step, CancellationToken stop)
        {
            var next = -1;
            async Task RunAsync()
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < count)
                {
                    stop.ThrowIfCancellationRequested();
                    await step(index).ConfigureAwait(false);
                }
            }

            return Task.WhenAll(Enumerable.Range(0, Math.Min(Width, count)).Select(_ => RunAsync()));
        }
    }
}
