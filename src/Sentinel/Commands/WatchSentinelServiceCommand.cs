using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Management.Automation;
using Sentinel.Errors;
using Sentinel.Metrics;
using Sentinel.Pipeline;
using Sentinel.Remediation;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>
    /// Watches services on hosts over connections kept open: every -Interval seconds their state, a
    /// ServiceStateChange when it changes (and for each on the first round), until Ctrl+C or -Count
    /// rounds. With -Repair, a service that is not Running goes through Repair-SentinelService's path,
    /// with back-off per service, the restart budget and the breaker. Never prompts.
    /// </summary>
    [Cmdlet(VerbsCommon.Watch, "SentinelService", SupportsShouldProcess = true, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(ServiceStateChange), typeof(RemediationResult))]
    public sealed class WatchSentinelServiceCommand : RemediationCmdlet
    {
        /// <summary>Seconds between the starts of two rounds; fractions allowed (down to 0.05, for tests).</summary>
        [Parameter]
        [ValidateRange(0.05, 86400)]
        public double Interval { get; set; } = 30;

        /// <summary>Stop after this many rounds; without it, run until stopped (Ctrl+C).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Repair services that are not Running (as Repair-SentinelService does).</summary>
        [Parameter]
        public SwitchParameter Repair { get; set; }

        /// <summary>
        /// Seconds the second repair of a service waits after the first; each next one waits twice as long,
        /// up to 10 times this (5 min by default), and 20 times this (10 min) Running without a break forgets the repairs.
        /// </summary>
        [Parameter]
        [ValidateRange(0.05, 3600)]
        public double BackoffSeconds { get; set; } = RepairBackoff.DefaultFirst.TotalSeconds;

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var remediator = NewRemediator();
            var pump = new PipelinePump();
            var hosts = CollectHosts(pump, remediator);
            if (hosts.Count == 0)
            {
                return;
            }
            var breaker = NewBreaker(hosts.Count);

            // Asked once, here, before the watch: -WhatIf (or a "no" to -Confirm) watches without repairing.
            var repair = Repair && ShouldProcess(
                $"Repair {string.Join(", ", hosts.SelectMany(h => h.Services).Distinct())} on {string.Join(", ", hosts.Select(h => h.ComputerName))} whenever not Running (back-off from {BackoffSeconds:0.##} s, budget {RestartBudget} per {RestartBudgetMinutes:0.##} min)",
                "Repair services while watching?",
                "Watch-SentinelService");

            var metricsFile = MetricsFile;
            var metrics = metricsFile != null ? new ServiceMetrics() : null;
            metrics?.Breaker(false);
            var metricsFailed = 0;
            void WriteMetrics()
            {
                AddBudgets(metrics!, remediator);
                try
                {
                    metrics!.WriteTo(metricsFile!);
                    Interlocked.Exchange(ref metricsFailed, 0);
                }
                catch (SentinelException e) when (Interlocked.Exchange(ref metricsFailed, 1) == 0)
                {
                    pump.Post(() => WriteSentinelError(e)); // once, not every round, until a write succeeds again
                }
                catch (SentinelException)
                {
                    // Reported already.
                }
            }

            try
            {
                RunPumped(pump, () =>
                {
                    var sink = new WatchSink
                    {
                        Changed = change =>
                        {
                            metrics?.Seen(change.ComputerName, change.Name, change.State, change.Time.ToUniversalTime());
                            pump.Post(() => WriteObject(change));
                        },
                        Repaired = result =>
                        {
                            metrics?.Repaired(result, DateTime.UtcNow);
                            pump.Post(() => WriteObject(result));
                        },
                        HostFailed = error => pump.Post(() => WriteSentinelError(error)),
                        BreakerTripped = reason =>
                        {
                            metrics?.Breaker(true);
                            pump.Post(() => WriteSentinelError(RemediationErrors.WatchBreakerTripped(reason)));
                        },
                        RoundDone = (_, duration) =>
                        {
                            if (metrics != null)
                            {
                                metrics.RoundDuration(duration);
                                WriteMetrics();
                            }
                        },
                    };
                    var watcher = new Watcher(hosts, TimeSpan.FromSeconds(Interval), Count > 0 ? Count : (int?)null, repair, ThrottleLimit, RepairBackoff.Scaled(TimeSpan.FromSeconds(BackoffSeconds)), breaker, SystemClock.Instance, sink);
                    return RunThenWriteAsync(watcher, metrics != null ? WriteMetrics : null);
                });
            }
            finally
            {
                CloseAll(hosts);
            }
        }

        /// <summary>The watch, then the metrics once more: the repairs still under way at the last round have ended.</summary>
        private async Task RunThenWriteAsync(Watcher watcher, Action? writeMetrics)
        {
            await watcher.RunAsync(StopToken).ConfigureAwait(false);
            writeMetrics?.Invoke();
        }
    }
}
