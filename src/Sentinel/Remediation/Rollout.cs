using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Remediation
{
    /// <summary>
    /// Rolling work over hosts: batches run one after another (a host's batch number is its place in
    /// the rollout), the hosts of a batch at most Throttle at a time. The first batch is the canary: when
    /// any of its hosts fails, the breaker trips. Before each host starts, an open breaker skips it, so
    /// every host not yet touched when the breaker trips is skipped, with the breaker's reason.
    /// </summary>
    internal static class Rollout
    {
        /// <summary>
        /// The batches of a ramp, as Ansible's serial list: batch n takes the n-th size (a count, or a
        /// percentage of all the hosts), and the last size repeats until every host has its batch, so
        /// 1, 50% over 8 hosts gives batches of 1, 4 and 3, and a single size makes every batch that
        /// size. Without a ramp, one host as the canary, then <paramref name="throttle"/> hosts at a time.
        /// </summary>
        public static List<List<T>> Batches<T>(IReadOnlyList<T> hosts, IReadOnlyList<Portion>? ramp, int throttle)
        {
            var batches = new List<List<T>>();
            for (var start = 0; start < hosts.Count;)
            {
                var size = ramp == null || ramp.Count == 0
                    ? (batches.Count == 0 ? 1 : throttle)
                    : ramp[Math.Min(batches.Count, ramp.Count - 1)].Of(hosts.Count);
                size = Math.Max(1, size);
                batches.Add(hosts.Skip(start).Take(size).ToList());
                start += size;
            }

            return batches;
        }

        /// <param name="repair">Works on one host in batch n (from 1); true when the host failed.</param>
        /// <param name="skip">Reports a host left untouched, with the breaker's reason and its batch.</param>
        public static async Task RunAsync<T>(IReadOnlyList<List<T>> batches, CircuitBreaker breaker, int throttle, Func<T, int, Task<bool>> repair, Action<T, int, string> skip, Func<T, string> nameOf, CancellationToken cancellationToken)
        {
            for (var index = 0; index < batches.Count; index++)
            {
                var batch = index + 1;
                var failed = new List<string>();
                using (var slots = new SemaphoreSlim(throttle))
                {
                    var tasks = new List<Task>();
                    try
                    {
                        foreach (var host in batches[index])
                        {
                            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                            if (breaker.Tripped)
                            {
                                slots.Release();
                                skip(host, batch, breaker.Reason!);
                                continue;
                            }

                            // Not the stop's token: a host given a slot has started, and a started host finishes.
                            tasks.Add(Task.Run(async () =>
                            {
                                try
                                {
                                    if (await repair(host, batch).ConfigureAwait(false))
                                    {
                                        lock (failed)
                                        {
                                            failed.Add(nameOf(host));
                                        }

                                        breaker.RecordFailure(nameOf(host));
                                    }
                                }
                                finally
                                {
                                    slots.Release();
                                }
                            }, CancellationToken.None));
                        }
                    }
                    finally
                    {
                        // A stop ends the launching, never the hosts already started: they finish first.
                        await Task.WhenAll(tasks).ConfigureAwait(false);
                    }
                }

                if (batch == 1 && failed.Count > 0)
                {
                    breaker.Trip($"the canary batch failed ({string.Join(", ", failed)})");
                }
            }
        }
    }
}
