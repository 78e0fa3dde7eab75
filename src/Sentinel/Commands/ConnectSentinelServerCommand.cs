using System;
using System.Linq;
using System.Management.Automation;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.HostKeys;
using Sentinel.Hosts;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Opens one session per host, checking the host key, and keeps it in the runspace's session list.</summary>
    [Cmdlet(VerbsCommunications.Connect, "SentinelServer", DefaultParameterSetName = ComputerNameSet)]
    [OutputType(typeof(SentinelSession))]
    public sealed class ConnectSentinelServerCommand : ConnectionCmdlet
    {
        /// <summary>Hosts to connect to; ~/.ssh/config aliases work as with ssh. Default: $env:SSH_HOST, else localhost.
        /// Not bound from the pipeline: piped inventory entries bind -ServerName, so their port, user and keys apply.</summary>
        [Parameter(ParameterSetName = ComputerNameSet, Position = 0)]
        [Alias("HostName", "Host")]
        [ValidateNotNullOrEmpty]
        public override string[]? ComputerName { get; set; }

        /// <summary>Inventory servers by name (wildcards allowed); piped Get-SentinelServer output binds here.</summary>
        [Parameter(ParameterSetName = ServerNameSet, Mandatory = true, ValueFromPipelineByPropertyName = true), Alias("Name"), SupportsWildcards, ValidateNotNullOrEmpty, ArgumentCompleter(typeof(ServerNameCompleter))]
        public override string[]? ServerName { get; set; }

        /// <summary>Seconds between checks that the server still answers (ssh's ServerAliveInterval); 0 turns them off.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int KeepAliveInterval { get; set; } = (int)KeepAliveSettings.Default.Interval.TotalSeconds;

        /// <summary>Unanswered checks in a row after which the session is Broken (ssh's ServerAliveCountMax).</summary>
        [Parameter]
        [ValidateRange(1, 100)]
        public int KeepAliveCountMax { get; set; } = KeepAliveSettings.Default.CountMax;

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var store = SessionStore.Current;
            var targets = ResolveConnectTargets().Select(target => target.Settings).ToList();
            foreach (var settings in targets)
            {
                // Explicit parameters win over ServerAliveInterval/CountMax from ~/.ssh/config.
                settings.KeepAlive = new KeepAliveSettings(
                    MyInvocation.BoundParameters.ContainsKey(nameof(KeepAliveInterval)) ? TimeSpan.FromSeconds(KeepAliveInterval) : settings.KeepAlive.Interval,
                    MyInvocation.BoundParameters.ContainsKey(nameof(KeepAliveCountMax)) ? KeepAliveCountMax : settings.KeepAlive.CountMax);
            }

            RunPumped(pump =>
            {
                var connector = PacedConnector(pump);
                return FanOut.RunAsync(targets, ThrottleLimit, FanOutProgress(pump, "Connect-SentinelServer", connector.Pacer), async settings =>
                {
                    var attempt = await connector.ConnectAsync(settings, line => pump.Post(() => WriteVerbose(line)), StopToken).ConfigureAwait(false);

                    // A session that never reaches the pipeline (Ctrl+C came first) is closed, not left open unlisted.
                    pump.Post(() => Emit(attempt, store), dropped: () => attempt.Connection?.Dispose());
                }, StopToken);
            });
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

            WriteObject(store.Add(attempt.Settings, attempt.Connection, verifier.OfferedFingerprint!, verifier.Offered!.Algorithm, attempt.Authenticated, verifier.Trust));
        }
    }
}
