using System;
using System.Linq;
using System.Management.Automation;
using Sentinel.Containers;
using Sentinel.Errors;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Lists containers (running and stopped) from docker ps's JSON output; -Name filters, with wildcards.</summary>
    [Cmdlet(VerbsCommon.Get, "SentinelContainer", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(ContainerStatus))]
    public sealed class GetSentinelContainerCommand : HostCmdlet
    {
        /// <summary>Names or ids to show; wildcards allowed. The names are matched here and never sent to the host.</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            // One listing per host.
            ForEachHost(ResolveHosts(), null, async (host, pump) =>
            {
                var containers = await new ContainerController(host, StopToken).ListAsync().ConfigureAwait(false);
                var shown = Name == null ? containers : containers.Where(Wanted).ToList();
                var missing = (Name ?? Array.Empty<string>()).Where(name => !WildcardPattern.ContainsWildcardCharacters(name) && !containers.Any(c => DockerOutput.Matches(c, name)));
                pump.Post(() =>
                {
                    WriteObject(shown, true);
                    foreach (var name in missing)
                    {
                        WriteSentinelError(ServiceErrors.ContainerNotFound(host.ComputerName, name));
                    }
                });
            });
        }

        private bool Wanted(ContainerStatus container) => Name!.Any(name =>
            DockerOutput.Matches(container, name) ||
            // Docker names are case-sensitive, so patterns are too, as exact names are.
            container.Name.Split(',').Any(WildcardPattern.Get(name, WildcardOptions.None).IsMatch));
    }
}
