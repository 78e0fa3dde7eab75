using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Sentinel.Errors;
using Sentinel.Hosts;
using Sentinel.Metrics;
using Sentinel.Pipeline;
using Sentinel.Remediation;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>
    /// Restarts services under sudo, rolling over the hosts: in batches (-BatchSize, a ramp such as
    /// 1, '10%', '50%'), never more than -MaxUnavailable hosts down at once, each host through the health
    /// gate (Running with the same main process for -SettleSeconds, then -HealthCommand exiting 0), and
    /// stopping after -MaxFailure failed hosts with the rest Skipped. -WhatIf prints the plan.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Restart, "SentinelService", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true)]
    [OutputType(typeof(ServiceActionResult))]
    public sealed class RestartSentinelServiceCommand : ServiceActionCmdlet
    {
        /// <summary>Without -BatchSize, every host in one batch, -ThrottleLimit at a time, as before rolling existed.</summary>
        private static readonly string[] OneBatch = { "100%" };

        internal override ServiceAction Action => ServiceAction.Restart;

        /// <summary>Run the service's configuration test first and refuse to act when it fails.</summary>
        [Parameter]
        public SwitchParameter TestConfig { get; set; }

        /// <summary>Hosts per batch: a count (3), a percentage of the hosts ('25%'), or a ramp of them (1, '10%', '50%': the last repeats); without it, one batch of every host, -ThrottleLimit at a time.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? BatchSize { get; set; }

        /// <summary>Hosts (a count, or a percentage of the hosts given) that may be down or restarting at once, counting hosts already down.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MaxUnavailable { get; set; }

        /// <summary>Failed hosts (a count, or a percentage of the hosts) that stop the roll; the hosts not reached are Skipped.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string MaxFailure { get; set; } = "1";

        /// <summary>Seconds the service must stay Running with the same main process after its restart.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int SettleSeconds { get; set; }

        /// <summary>A command run on each host as the login user after the settle time (for example curl -fsS localhost/health); it must exit 0.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HealthCommand { get; set; }

        /// <summary>Seconds -HealthCommand may take.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int HealthTimeout { get; set; } = 10;

        /// <summary>Run systemctl reset-failed on a failed unit before restarting it (clearing systemd's start limit).</summary>
        [Parameter]
        public SwitchParameter ResetFailed { get; set; }

        internal override bool TestConfigFirst => TestConfig;

        /// <summary>
        /// A file to write the results to in the Prometheus text format (name it *.prom in node_exporter's
        /// --collector.textfile.directory), replaced whole; one file per runner or shard.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MetricsPath { get; set; }


        /// <inheritdoc/>
        internal override void Act(string[] names)
        {
            var ramp = (BatchSize ?? OneBatch).Select(size => Parse(size, nameof(BatchSize))).ToList();
            var maxUnavailable = MaxUnavailable != null ? Parse(MaxUnavailable, nameof(MaxUnavailable)) : null;
            var maxFailure = Parse(MaxFailure, nameof(MaxFailure));
            var targets = ResolveHosts();
            var options = new RollingRestartOptions
            {
                TestConfig = TestConfigFirst,
                Timeout = TimeSpan.FromSeconds(Timeout),
                Settle = TimeSpan.FromSeconds(SettleSeconds),
                HealthCommand = HealthCommand,
                HealthTimeout = TimeSpan.FromSeconds(HealthTimeout),
                ResetFailed = ResetFailed,
                Manager = Manager,
            };

            // The plan, on the pipeline thread before anything runs: -WhatIf prints it, -Confirm asks per host.
            var planned = Rollout.Batches(targets, ramp, ThrottleLimit);
            var approved = new List<HostTarget>();
            for (var index = 0; index < planned.Count; index++)
            {
                foreach (var target in planned[index])
                {
                    var plan = $"Batch {index + 1} of {planned.Count}, {target.ComputerName}: restart {string.Join(", ", names)}, then {Gate(options)}";
                    if (ShouldProcess(plan, $"Restart {string.Join(", ", names)} on {target.ComputerName}?", "Restart-SentinelService"))
                    {
                        approved.Add(target);
                    }
                }
            }

            if (approved.Count == 0)
            {
                return;
            }

            var pump = new PipelinePump();
            var context = NewHostContext(pump, SudoCredential?.Password);
            var hosts = approved.Select(target => new RemoteHost(target, context)).ToList();
            var metrics = MetricsPath != null ? new ServiceMetrics() : null;
            var roll = new RollingRestart(
                names,
                options,
                SystemClock.Instance,
                result =>
                {
                    metrics?.Acted(result, DateTime.UtcNow);
                    pump.Post(() => WriteObject(result));
                },
                error => pump.Post(() => WriteSentinelError(error)));
            var batches = Rollout.Batches(hosts.Select(host => new RestartTarget(host.ComputerName, async stop =>
            {
                await host.OpenAsync(stop).ConfigureAwait(false);
                return new ServiceController(host, StopToken);
            })).ToList(), ramp, ThrottleLimit);
            var breaker = new CircuitBreaker(maxFailure.Of(hosts.Count));
            try
            {
                RunPumped(pump, () => roll.RunAsync(batches, breaker, ThrottleLimit, maxUnavailable?.Of(hosts.Count), StopToken));
            }
            finally
            {
                foreach (var host in hosts)
                {
                    host.Close();
                }
            }

            WriteMetrics(metrics);

            // A stop with hosts left unrestarted is the roll's own error; a failure that stopped nothing is reported by its result's error alone.
            if (roll.SkippedHosts > 0 && breaker.Tripped)
            {
                WriteSentinelError(RemediationErrors.RollStopped(breaker.Reason!, roll.SkippedHosts));
            }
        }

        private void WriteMetrics(ServiceMetrics? metrics)
        {
            if (metrics == null)
            {
                return;
            }

            var file = GetUnresolvedProviderPathFromPSPath(MetricsPath);
            try
            {
                metrics.WriteTo(file);
            }
            catch (SentinelException e)
            {
                WriteSentinelError(e, file);
            }
        }

        private static string Gate(RollingRestartOptions options) =>
            $"check it is Running{(options.Settle > TimeSpan.Zero ? $" with the same main process for {options.Settle.TotalSeconds:0.#} s" : string.Empty)}"
            + (options.HealthCommand != null ? $" and that the health command exits 0 within {options.HealthTimeout.TotalSeconds:0.#} s" : string.Empty);

        private Portion Parse(string text, string parameter)
        {
            try
            {
                return Portion.Parse(text, parameter);
            }
            catch (SentinelException e)
            {
                ThrowSentinelError(e, text);
                throw;
            }
        }
    }
}
