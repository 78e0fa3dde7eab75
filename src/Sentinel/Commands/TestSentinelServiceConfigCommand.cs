using System;
using System.Linq;
using System.Management.Automation;
using Sentinel.Errors;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>
    /// Runs a service's configuration test (nginx -t, sshd -t, apachectl configtest, haproxy -c) under
    /// sudo and returns Valid with the tool's output. Nothing is restarted.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "SentinelServiceConfig", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(ServiceConfigTestResult))]
    public sealed class TestSentinelServiceConfigCommand : HostCmdlet
    {
        /// <summary>The services whose configuration to test.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>The password sudo asks for, when it asks; without it, the session's login password (none for a key login).</summary>
        [Parameter]
        [Credential]
        public PSCredential? SudoCredential { get; set; }

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var names = ValidNames(Name, ServiceName.IsValid, ServiceErrors.InvalidName);
            foreach (var name in names.Where(name => ConfigTests.For(name) == null))
            {
                WriteWarning($"Sentinel knows no configuration test for '{name}'; its result has Valid = null.");
            }

            if (names.Length == 0)
            {
                return;
            }

            ForEachItem(ResolveHosts(), _ => names, SudoCredential?.Password, async (host, pump, name) =>
            {
                var result = await new ServiceController(host, StopToken).TestConfigAsync(name).ConfigureAwait(false);
                pump.Post(() => WriteObject(result));
            });
        }
    }
}
