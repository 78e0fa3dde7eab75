using System;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Module;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Opens one session per host, checking the host key, and keeps it in the runspace's session list.</summary>
    [Cmdlet(VerbsCommunications.Connect, "SentinelServer")]
    [OutputType(typeof(SentinelSession))]
    public sealed class ConnectSentinelServerCommand : ConnectionCmdlet
    {
        /// <summary>Seconds between checks that the server still answers (ssh's ServerAliveInterval); 0 turns them off.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int KeepAliveInterval { get; set; } = (int)KeepAliveSettings.Default.Interval.TotalSeconds;

        /// <summary>Unanswered checks in a row after which the session is Broken (ssh's ServerAliveCountMax).</summary>
        [Parameter]
        [ValidateRange(1, 100)]
        public int KeepAliveCountMax { get; set; } = KeepAliveSettings.Default.CountMax;

        protected override void ProcessRecord()
        {
            var connector = new Connector(SshAdapterLoader.Transport);
            var store = SessionStore.Current;
            var keepAlive = new KeepAliveSettings(TimeSpan.FromSeconds(KeepAliveInterval), KeepAliveCountMax);
            var targets = TargetComputerNames().Select(SettingsFor).ToArray();
            foreach (var settings in targets)
            {
                settings.KeepAlive = keepAlive;
            }

            // Hosts are dialled at once; each result reaches the pipeline as soon as it is ready.
            RunPumped(pump => Task.WhenAll(targets.Select(async settings =>
            {
                var attempt = await connector.ConnectAsync(settings, line => pump.Post(() => WriteVerbose(line)), StopToken).ConfigureAwait(false);
                pump.Post(() => Emit(attempt, store));
            })));
        }

        private void Emit(ConnectAttempt attempt, SessionStore store)
        {
            if (attempt.Connection == null)
            {
                WriteSentinelError(attempt.Error!);
                return;
            }

            var verifier = attempt.Verifier!;
            if (verifier.Verdict == HostKeyVerdict.Unverified)
            {
                WriteWarning($"The host key of {verifier.LookupName} ({verifier.OfferedFingerprint}) was not verified (HostKeyPolicy Ignore): the connection could be intercepted.");
            }

            WriteObject(store.Add(attempt.Settings, attempt.Connection, verifier.OfferedFingerprint!, verifier.Offered!.Algorithm));
        }
    }
}
