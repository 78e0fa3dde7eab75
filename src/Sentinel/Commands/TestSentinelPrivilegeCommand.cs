using System;
using System.Management.Automation;
using Sentinel.Completion;
using Sentinel.Errors;
using Sentinel.Privileges;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>
    /// Tells, per action Sentinel needs on a host (service start/stop/restart and configuration tests under
    /// sudo, status, docker), whether the login user may do it without a password, with one, or not at all,
    /// from <c>sudo -n -l</c> (never a password), and the sudoers line that would allow what is missing.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "SentinelPrivilege", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(PrivilegeCheckResult))]
    public sealed class TestSentinelPrivilegeCommand : HostCmdlet
    {
        /// <summary>Inventory servers by name (wildcards allowed); piped Get-SentinelServer output binds here.</summary>
        [Parameter(ParameterSetName = ServerNameSet, Mandatory = true, ValueFromPipelineByPropertyName = true), Alias("Name"), SupportsWildcards, ValidateNotNullOrEmpty, ArgumentCompleter(typeof(ServerNameCompleter))]
        public override string[]? ServerName { get; set; }

        /// <summary>Services whose actions to check.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Service { get; set; } = Array.Empty<string>();

        /// <summary>Also check docker (group membership: Sentinel runs docker without sudo).</summary>
        [Parameter]
        public SwitchParameter Container { get; set; }

        /// <summary>The init system whose commands to check; without it, detected once per session.</summary>
        [Parameter]
        public ServiceManager? Manager { get; set; }

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var services = ValidNames(Service, ServiceName.IsValid, ServiceErrors.InvalidName);
            if (services.Length == 0 && !Container)
            {
                if (Service.Length == 0)
                {
                    WriteWarning("Nothing to check: name services with -Service, or pass -Container.");
                }

                return;
            }

            // The whole check at once per host, so sudo -l runs once.
            ForEachHost(ResolveHosts(), null, async (host, pump) =>
            {
                ServiceManager? manager = null;
                if (services.Length > 0)
                {
                    manager = await new ServiceController(host, StopToken).ManagerAsync(Manager).ConfigureAwait(false);
                }

                var results = await new PrivilegeChecker(host, StopToken).CheckAsync(services, manager, Container).ConfigureAwait(false);
                pump.Post(() =>
                {
                    foreach (var result in results)
                    {
                        WriteObject(result);
                    }
                });
            });
        }
    }
}
