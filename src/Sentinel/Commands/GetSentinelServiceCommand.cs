using System;
using System.Management.Automation;
using Sentinel.Errors;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>
    /// Gets the status of services: one result per service and host. An unknown service is a result
    /// with State NotFound, not an error.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SentinelService", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(ServiceStatus))]
    public sealed class GetSentinelServiceCommand : HostCmdlet
    {
        /// <summary>The services whose status to get.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>The init system to use; without it, detected once per session.</summary>
        [Parameter]
        public ServiceManager? Manager { get; set; }

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var names = ValidNames(Name, ServiceName.IsValid, ServiceErrors.InvalidName);
            if (names.Length == 0)
            {
                return;
            }

            ForEachItem(ResolveHosts(), _ => names, null, async (host, pump, name) =>
            {
                var services = new ServiceController(host, StopToken);
                var manager = await services.ManagerAsync(Manager).ConfigureAwait(false);
                var status = await services.StatusAsync(manager, name).ConfigureAwait(false);
                pump.Post(() => WriteObject(status));
            });
        }
    }
}
