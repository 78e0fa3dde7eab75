using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Hosts
{
    /// <summary>
    /// Runs one piece of work per host, at most ThrottleLimit at a time, each host's outcome posted to
    /// the pipeline as soon as it is ready, and progress reported as hosts finish (done, total). The work is
    /// asynchronous end to end (no blocking connect inside a pool thread), so many hosts cannot
    /// starve the thread pool.
    /// </summary>
    internal static class FanOut
    {
        /// <param name="progress">Told (finished, total) as each host finishes, when there are several; from any thread.</param>
        public static async Task RunAsync<T>(IReadOnlyList<T> items, int throttleLimit, Action<int, int> progress, Func<T, Task> work, CancellationToken cancellationToken)
        {
            var done = 0;
            using (var slots = new SemaphoreSlim(throttleLimit))
            {
                var tasks = new List<Task>(items.Count);
                try
                {
                    foreach (var item in items)
                    {
                        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                        async Task RunOneAsync()
                        {
                            try
                            {
                                await work(item).ConfigureAwait(false);
                            }
                            finally
                            {
                                slots.Release();
                                var finished = Interlocked.Increment(ref done);
                                if (items.Count > 1)
                                {
                                    progress(finished, items.Count);
                                }
                            }
                        }

                        // One host runs on this thread (already off the pipeline thread): a hop to another
                        // pool thread would only add a wake-up to every single-host command.
                        tasks.Add(items.Count == 1 ? RunOneAsync() : Task.Run(RunOneAsync, CancellationToken.None));
                    }
                }
                finally
                {
                    // A stop ends the launching, never the hosts already started: they are awaited,
                    // so whatever they opened is closed before the fan-out (and the semaphore) ends.
                    await Task.WhenAll(tasks).ConfigureAwait(false);
                }
            }
        }
    }
}
