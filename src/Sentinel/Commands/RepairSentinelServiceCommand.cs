using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using Sentinel.Errors;
using Sentinel.Metrics;
using Sentinel.Pipeline;
using Sentinel.Remediation;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>
    /// Brings services back to Running, safely: for each service and host, leaves a Running one alone;
    /// otherwise captures diagnostics, respects the restart budget, gates on the configuration test,
    /// starts or restarts, and checks that it stays Running. Hosts go in batches (a canary first); a
    /// failing canary or -MaxFailure failed hosts trip the breaker, and the hosts not yet touched are
    /// skipped. -WhatIf prints the plan and touches nothing.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Repair, "SentinelService", SupportsShouldProcess = true, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(RemediationResult))]
    public sealed class RepairSentinelServiceCommand : RemediationCmdlet
    {
        /// <summary>Hosts per batch (a count, or a percentage of the hosts: 25%), or a ramp of them (1, '10%', '50%': the last repeats); without it, 1 host as the canary, then -ThrottleLimit at a time.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? BatchSize { get; set; }

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var batchSize = BatchSize?.Select(size => Portion(size, nameof(BatchSize))).ToList();
            var remediator = NewRemediator();
            var pump = new PipelinePump();
            var hosts = CollectHosts(pump, remediator);
            if (hosts.Count == 0)
            {
                return;
            }

            // The plan, on the pipeline thread before anything runs: -WhatIf prints it, -Confirm asks per host.
            var planned = Rollout.Batches(hosts, batchSize, ThrottleLimit);
            var approved = new List<RemediationHost>();
            for (var index = 0; index < planned.Count; index++)
            {
                var batch = $"Batch {index + 1} of {planned.Count}{(index == 0 ? " (canary)" : string.Empty)}";
                foreach (var host in planned[index])
                {
                    var plan = $"{batch}, {host.ComputerName}: " + string.Join("; ", host.Services.Select(service => remediator.Plan(host.ComputerName, service)));
                    if (ShouldProcess(plan, $"Repair services {string.Join(", ", host.Services)} on {host.ComputerName}?", "Repair-SentinelService"))
                    {
                        approved.Add(host);
                    }
                }
            }

            if (approved.Count == 0)
            {
                return;
            }

            var batches = Rollout.Batches(approved, batchSize, ThrottleLimit);
            var breaker = NewBreaker(approved.Count);
            var metrics = MetricsPath != null ? new ServiceMetrics() : null;
            var skipped = 0;
            try
            {
                RunPumped(pump, () =>
                {
                    return Rollout.RunAsync(batches, breaker, ThrottleLimit, async (host, batch) =>
                    {
                        ServiceController controller;
                        try
                        {
                            controller = await host.ControllerAsync(StopToken).ConfigureAwait(false);
                        }
                        catch (SentinelException e)
                        {
                            // Unreachable: each service is Failed with the reason, and the host's error is written once.
                            pump.Post(() => WriteSentinelError(e));
                            foreach (var service in host.Services)
                            {
                                var result = host.Unreached(service, batch, e);
                                metrics?.Repaired(result, DateTime.UtcNow);
                                pump.Post(() => WriteObject(result));
                            }

                            return true;
                        }

                        var failed = false;
                        foreach (var service in host.Services)
                        {
                            var result = await host.RepairAsync(controller, service, batch, StopToken).ConfigureAwait(false);
                            failed |= result.Action == RemediationAction.Failed || result.Action == RemediationAction.Refused;
                            metrics?.Repaired(result, DateTime.UtcNow);
                            pump.Post(() => WriteObject(result));
                        }

                        return failed;
                    }, (host, batch, reason) =>
                    {
                        Interlocked.Increment(ref skipped);
                        foreach (var service in host.Services)
                        {
                            var result = host.Skipped(service, batch, reason);
                            metrics?.Repaired(result, DateTime.UtcNow);
                            pump.Post(() => WriteObject(result));
                        }
                    }, host => host.ComputerName, StopToken);
                });
            }
            finally
            {
                CloseAll(approved);
            }

            if (metrics != null)
            {
                metrics.Breaker(breaker.Tripped);
                AddBudgets(metrics, remediator);
                try
                {
                    metrics.WriteTo(MetricsFile!);
                }
                catch (SentinelException e)
                {
                    WriteSentinelError(e, MetricsPath);
                }
            }

            if (breaker.Tripped)
            {
                WriteSentinelError(RemediationErrors.BreakerTripped(breaker.Reason!, skipped));
            }
        }
    }
}
