using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Sentinel.Containers;
using Sentinel.Errors;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Restarts containers with docker restart and checks with docker inspect that they run again.</summary>
    [Cmdlet(VerbsLifecycle.Restart, "SentinelContainer", SupportsShouldProcess = true)]
    [OutputType(typeof(ContainerActionResult))]
    public sealed class RestartSentinelContainerCommand : SessionWorkCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = new string[0];

        /// <summary>Seconds docker restart may take.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int Timeout { get; set; } = 60;

        protected override void EndProcessing()
        {
            var names = ValidNames(Name, ContainerName.IsValid, ServiceErrors.InvalidContainerName);
            if (names.Length == 0)
            {
                return;
            }

            var approved = new Dictionary<SentinelSession, string[]>();
            foreach (var session in TargetSessions())
            {
                approved[session] = names.Where(name => ShouldProcess($"container '{name}' on {session.ComputerName}", "Restart")).ToArray();
            }

            RunOnSessions(approved, async (host, name) =>
            {
                var result = await new ContainerController(host.Session, host.Run).RestartAsync(name, TimeSpan.FromSeconds(Timeout)).ConfigureAwait(false);
                host.Pump.Post(() =>
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
