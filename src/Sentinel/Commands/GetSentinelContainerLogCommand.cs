using System;
using System.Management.Automation;
using Sentinel.Containers;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Gets a container's log (docker logs), stdout and stderr apart.</summary>
    [Cmdlet(VerbsCommon.Get, "SentinelContainerLog", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(ContainerLog))]
    public sealed class GetSentinelContainerLogCommand : HostCmdlet
    {
        /// <summary>The containers whose logs to get, by name or id.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Only the last this many lines.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int? Tail { get; set; }

        /// <summary>Only lines since then, as docker logs --since takes it: a timestamp (2026-11-25T10:00:00Z) or a duration (10m).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Since { get; set; }

        /// <summary>Bytes of each of stdout and stderr the result keeps; a longer log sets Truncated.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public long MaxOutputBytes { get; set; } = CommandRequest.DefaultMaxOutputBytes;

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var names = ValidNames(Name, ContainerName.IsValid, ServiceErrors.InvalidContainerName);
            if (names.Length == 0)
            {
                return;
            }

            ForEachItem(ResolveHosts(), _ => names, null, async (host, pump, name) =>
            {
                var log = await new ContainerController(host, StopToken).LogsAsync(name, Tail, Since, MaxOutputBytes).ConfigureAwait(false);
                pump.Post(() => WriteObject(log));
            });
        }
    }
}
