using System.Management.Automation;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Starts services under sudo and, with -Wait (the default), waits until the state is verified.</summary>
    [Cmdlet(VerbsLifecycle.Start, "SentinelService", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true)]
    [OutputType(typeof(ServiceActionResult))]
    public sealed class StartSentinelServiceCommand : ServiceActionCmdlet
    {
        internal override ServiceAction Action => ServiceAction.Start;

        /// <summary>Run the service's configuration test first and refuse to act when it fails.</summary>
        [Parameter]
        public SwitchParameter TestConfig { get; set; }

        internal override bool TestConfigFirst => TestConfig;
    }
}
