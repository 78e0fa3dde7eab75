using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Sentinel.Errors;
using Sentinel.Hosts;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>
    /// Shared by Start-, Stop- and Restart-SentinelService: ShouldProcess per service and host on the
    /// pipeline thread, then the actions under sudo, verified by polling the state.
    /// </summary>
    public abstract class ServiceActionCmdlet : HostCmdlet
    {
        /// <summary>The services to act on.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>The init system to use; without it, detected once per session.</summary>
        [Parameter]
        public ServiceManager? Manager { get; set; }

        /// <summary>Poll until the service reaches the wanted state (on by default; -Wait:$false returns after the action).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; } = true;

        /// <summary>Seconds the action and the wait may take together.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int Timeout { get; set; } = 30;

        /// <summary>The password sudo asks for, when it asks; without it, the session's login password (none for a key login).</summary>
        [Parameter]
        [Credential]
        public PSCredential? SudoCredential { get; set; }

        internal abstract ServiceAction Action { get; }

        internal virtual bool TestConfigFirst => false;


        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var names = ValidNames(Name, ServiceName.IsValid, ServiceErrors.InvalidName);
            if (TestConfigFirst)
            {
                // Asked to act only on a configuration that passes its test: without a known test, don't act.
                names = ValidNames(names, name => ConfigTests.For(name) != null, name => ServiceErrors.ConfigTestUnknown(name, Action.ToString()));
            }

            if (names.Length == 0)
            {
                return;
            }

            Act(names);
        }

        /// <summary>Acts on every host at once, -ThrottleLimit at a time (Restart-SentinelService rolls instead).</summary>
        internal virtual void Act(string[] names)
        {
            // ShouldProcess talks to the host, so it is asked here, on the pipeline thread, before any work starts.
            var approved = new Dictionary<HostTarget, string[]>();
            foreach (var target in ResolveHosts())
            {
                approved[target] = names.Where(name => ShouldProcess($"service '{name}' on {target.ComputerName}", Action.ToString())).ToArray();
            }

            var timeout = TimeSpan.FromSeconds(Timeout);
            ForEachItem(approved.Keys.ToList(), target => approved[target], SudoCredential?.Password, async (host, pump, name) =>
            {
                var services = new ServiceController(host, StopToken);
                var manager = await services.ManagerAsync(Manager).ConfigureAwait(false);
                var (result, error) = await services.ActAsync(manager, name, Action, TestConfigFirst, Wait, timeout).ConfigureAwait(false);
                pump.Post(() =>
                {
                    WriteObject(result);
                    if (error != null)
                    {
                        WriteSentinelError(error);
                    }
                });
            });
        }
    }
}
