using System.Management.Automation;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Restarts services under sudo and, with -Wait (the default), waits until the state is verified.</summary>
    [Cmdlet(VerbsLifecycle.Restart, "SentinelService", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true)]
    [OutputType(typeof(ServiceActionResult))]
    public sealed class RestartSentinelServiceCommand : ServiceActionCmdlet
    {
        internal override ServiceAction Action => ServiceAction.Restart;

        /// <summary>Run the service's configuration test first and refuse to act when it fails.</summary>
        [Parameter]
        public SwitchParameter TestConfig { get; set; }

        internal override bool TestConfigFirst => TestConfig;

        /// <summary>
        /// A file to write the results to in the Prometheus text format (name it *.prom in node_exporter's
        /// --collector.textfile.directory), replaced whole; one file per runner or shard.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MetricsPath { get; set; }

        internal override string? MetricsFile => MetricsPath == null ? null : GetUnresolvedProviderPathFromPSPath(MetricsPath);
    }
}
