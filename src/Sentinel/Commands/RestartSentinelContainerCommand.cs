using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Sentinel.Containers;
using Sentinel.Errors;
using Sentinel.Hosts;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Restarts containers with docker restart and checks with docker inspect that they run again.</summary>
    [Cmdlet(VerbsLifecycle.Restart, "SentinelContainer", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true)]
    [OutputType(typeof(ContainerActionResult))]
    public sealed class RestartSentinelContainerCommand : HostCmdlet
    {
        /// <summary>The containers to restart, by name or id.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Seconds docker restart may take.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int Timeout { get; set; } = 60;

        /// <summary>Seconds the container may take to stop before docker kills it (docker restart -t); docker's default (10) without it.</summary>
        [Parameter]
        [ValidateRange(0, 3599)]
        public int? StopTimeout { get; set; }

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            if (StopTimeout >= Timeout)
            {
                // docker would still be waiting for the container to stop when Sentinel ends the restart.
                ThrowSentinelError(new SentinelException(
                    ErrorIds.InvalidArgument,
                    ErrorCategory.InvalidArgument,
                    null,
                    $"-StopTimeout ({StopTimeout} s) must be shorter than -Timeout ({Timeout} s), which bounds the whole restart.",
                    "Raise -Timeout or lower -StopTimeout."), StopTimeout);
            }

            var names = ValidNames(Name, ContainerName.IsValid, ServiceErrors.InvalidContainerName);
            if (names.Length == 0)
            {
                return;
            }

            var approved = new Dictionary<HostTarget, string[]>();
            foreach (var target in ResolveHosts())
            {
                approved[target] = names.Where(name => ShouldProcess($"container '{name}' on {target.ComputerName}", "Restart")).ToArray();
            }

            ForEachItem(approved.Keys.ToList(), target => approved[target], null, async (host, pump, name) =>
            {
                var result = await new ContainerController(host, StopToken).RestartAsync(name, TimeSpan.FromSeconds(Timeout), StopTimeout).ConfigureAwait(false);
                pump.Post(() =>
                {
                    WriteObject(result);
                    if (!result.Succeeded)
                    {
                        WriteSentinelError(ServiceErrors.DockerFailed(result.ComputerName, $"docker restart {name}", result.ExitCode, result.Error + $" (state afterwards: {result.StateAfter})"));
                    }
                });
            });
        }
    }
}
