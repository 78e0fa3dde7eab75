using System;
using System.Management.Automation;
using Sentinel.Errors;
using Sentinel.Remediation;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>
    /// Gets the last lines of a service's log: journalctl -u on systemd (under sudo when the user cannot
    /// read the system journal), else the known log file of the service (nginx, ssh, apache, haproxy,
    /// docker), under sudo when it is not readable.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SentinelServiceLog", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(ServiceLog))]
    public sealed class GetSentinelServiceLogCommand : HostCmdlet
    {
        /// <summary>The services whose logs to get.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>How many of the last lines.</summary>
        [Parameter]
        [ValidateRange(1, 1000000)]
        public int Tail { get; set; } = RemediationOptions.LogLines;

        /// <summary>Only lines since then (the journal only: a log file gives its last -Tail lines, with a warning).</summary>
        [Parameter]
        public DateTime? Since { get; set; }

        /// <summary>Bytes of the log the result keeps; a longer one sets Truncated.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public long MaxOutputBytes { get; set; } = 1024 * 1024;

        /// <summary>The init system to use; without it, detected once per session.</summary>
        [Parameter]
        public ServiceManager? Manager { get; set; }

        /// <summary>The password sudo asks for, when it asks; without it, the session's login password (none for a key login).</summary>
        [Parameter]
        [Credential]
        public PSCredential? SudoCredential { get; set; }

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var names = ValidNames(Name, ServiceName.IsValid, ServiceErrors.InvalidName);
            if (names.Length == 0)
            {
                return;
            }

            ForEachItem(ResolveHosts(), _ => names, SudoCredential?.Password, async (host, pump, name) =>
            {
                var services = new ServiceController(host, StopToken);
                var manager = await services.ManagerAsync(Manager).ConfigureAwait(false);
                var log = await services.LogAsync(manager, name, Tail, Since, MaxOutputBytes).ConfigureAwait(false);
                pump.Post(() =>
                {
                    if (Since.HasValue && log.Source != "journal")
                    {
                        WriteWarning($"-Since applies to the journal only: these are the last {Tail} lines of {log.Source} on {log.ComputerName}, whatever their time.");
                    }

                    WriteObject(log);
                });
            });
        }
    }
}
