using System.Management.Automation;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Stops services under sudo and, with -Wait (the default), waits until the state is verified.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "SentinelService", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true)]
    [OutputType(typeof(ServiceActionResult))]
    public sealed class StopSentinelServiceCommand : ServiceActionCmdlet
    {
        internal override ServiceAction Action => ServiceAction.Stop;
    }
}
