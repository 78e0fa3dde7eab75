using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Commands
{
    /// <summary>
    /// Runs one piece of work per host, at most ThrottleLimit at a time, each host's outcome posted to
    /// the pipeline as soon as it is ready, with Write-Progress showing done/total. The work is
    /// asynchronous end to end (no blocking connect inside a pool thread), so many hosts cannot
    /// starve the thread pool.
    /// </summary>
    internal static class FanOut
    {
        public static async Task RunAsync<T>(IReadOnlyList<T> items, int throttleLimit, PipelinePump pump, SentinelCmdlet cmdlet, string activity, Func<T, Task> work, CancellationToken cancellationToken)
        {
            var done = 0;
            var progress = new ProgressRecord(activity.GetHashCode() & 0x7FFF, activity, $"0 of {items.Count} hosts");
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
                                    pump.Post(() => ReportProgress(cmdlet, progress, finished, items.Count));
                                }
                            }
                        }

                        // One host runs on this thread (already off the pipeline thread): a hop to another
                        // pool thread would only add a wake-up to every single-host command.
                        tasks.Add(items.Count == 1 ? RunOneAsync() : Task.Run(RunOneAsync));
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

        private static void ReportProgress(SentinelCmdlet cmdlet, ProgressRecord progress, int finished, int total)
        {
            progress.StatusDescription = $"{finished} of {total} hosts";
            progress.PercentComplete = finished * 100 / total;
            progress.RecordType = finished == total ? ProgressRecordType.Completed : ProgressRecordType.Processing;
            cmdlet.WriteProgress(progress);
        }
    }
}
