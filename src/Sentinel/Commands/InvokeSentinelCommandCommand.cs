using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading.Tasks;
using Sentinel.Audit;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>
    /// Runs a command on one or more sessions and emits one result per host. A non-zero exit code is
    /// part of the result; a lost connection, a timeout or a sudo refusal is an error for that host.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "SentinelCommand", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(CommandResult), typeof(string))]
    public sealed class InvokeSentinelCommandCommand : ConnectionCmdlet
    {
        private const string SessionSet = "Session";
        private readonly List<string> _input = new List<string>();

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Command { get; set; } = string.Empty;

        /// <summary>Sessions to run on (they can also come down the pipeline); without any, the most recently opened session that is still open.</summary>
        [Parameter(ParameterSetName = SessionSet)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(SessionCompleter))]
        public SentinelSession[]? Session { get; set; }

        /// <summary>Hosts to run on, each with a connection opened for this command and closed after it.</summary>
        [Parameter(ParameterSetName = ComputerNameSet, Mandatory = true)]
        [Alias("HostName", "Host")]
        [ValidateNotNullOrEmpty]
        public override string[]? ComputerName { get; set; }

        /// <summary>
        /// What comes down the pipeline: sessions to run on, and anything else as lines for the command's
        /// stdin. One parameter takes both because PowerShell would bind a piped session to a string[]
        /// input parameter as its text. Without input, stdin is at end-of-file.
        /// </summary>
        [Parameter(ValueFromPipeline = true)]
        [AllowEmptyString]
        [AllowNull]
        public PSObject[]? InputObject { get; set; }

        /// <summary>Seconds the command may run before it is ended on the host; 0, the default, waits as long as it runs.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Timeout { get; set; }

        /// <summary>Run the command line under sudo, as if typed after <c>sudo</c>.</summary>
        [Parameter]
        public SwitchParameter Sudo { get; set; }

        /// <summary>The password sudo asks for; without it, the session's login password (none with key authentication).</summary>
        [Parameter]
        [Credential]
        public PSCredential? SudoCredential { get; set; }

        /// <summary>Emit stdout lines as they arrive, before the result.</summary>
        [Parameter]
        public SwitchParameter Stream { get; set; }

        /// <summary>Bytes of each of stdout and stderr a result keeps; the rest is counted, not kept.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public long MaxOutputBytes { get; set; } = CommandRequest.DefaultMaxOutputBytes;

        /// <summary>Fail on a broken session instead of reconnecting it once.</summary>
        [Parameter]
        public SwitchParameter NoReconnect { get; set; }

        protected override void ProcessRecord()
        {
            GatherPiped(Session);

            foreach (var item in InputObject ?? new PSObject[0])
            {
                if (item?.BaseObject is ServerEntry)
                {
                    continue; // a piped inventory entry: a host (through -Name), not a line of input
                }

                if (item?.BaseObject is SentinelSession session)
                {
                    GatherSession(session);
                }
                else
                {
                    _input.Add(item == null ? string.Empty : LanguagePrimitives.ConvertTo<string>(item));
                }
            }
        }

        protected override void EndProcessing()
        {
            var input = _input.Count > 0 ? Encoding.UTF8.GetBytes(string.Concat(_input.Select(line => line + "\n"))) : null;
            var connector = new Connector(Transport);
            if (ParameterSetName == SessionSet)
            {
                var sessions = PipedSessions.Count > 0 ? PipedSessions : new List<SentinelSession> { MostRecentOpenSession() };
                RunPumped(pump => FanOut.RunAsync(sessions, ThrottleLimit, pump, this, "Invoke-SentinelCommand", async session =>
                {
                    await RunOnAsync(session, connector, input, pump, reconnect: !NoReconnect).ConfigureAwait(false);
                }, StopToken));
                return;
            }

            // Hosts named directly: a session for each, only for this command.
            UsePipedNames();

            var targets = ResolveTargets();
            RunPumped(pump => FanOut.RunAsync(targets, ThrottleLimit, pump, this, "Invoke-SentinelCommand", async settings =>
            {
                var attempt = await connector.ConnectAsync(settings, line => pump.Post(() => WriteVerbose(line)), StopToken).ConfigureAwait(false);
                if (attempt.Connection == null)
                {
                    pump.Post(() => WriteSentinelError(attempt.Error!));
                    return;
                }

                var session = attempt.UnlistedSession(settings.KeepAlive);
                try
                {
                    await RunOnAsync(session, connector, input, pump, reconnect: false).ConfigureAwait(false);
                }
                finally
                {
                    session.Close();
                }
            }, StopToken));
        }

        private async Task RunOnAsync(SentinelSession session, Connector connector, byte[]? input, PipelinePump pump, bool reconnect)
        {
            var request = new CommandRequest(Command)
            {
                Timeout = Timeout > 0 ? TimeSpan.FromSeconds(Timeout) : (TimeSpan?)null,
                MaxOutputBytes = MaxOutputBytes,
                Input = input,
                Sudo = Sudo,
                SudoPassword = SudoCredential?.Password ?? session.Settings.Password,
                OnOutputLine = Stream ? line => pump.Post(() => WriteObject(line)) : (Action<string>?)null,
            };
            var started = DateTime.Now;
            try
            {
                var connection = await connector.UsableConnectionAsync(session, reconnect, line => pump.Post(() => WriteVerbose(line)), StopToken).ConfigureAwait(false);
                var result = await CommandRunner.RunAsync(session, connection, request, StopToken).ConfigureAwait(false);
                Audit(session, request, started, result, "completed");
                pump.Post(() => WriteObject(result));
            }
            catch (SentinelException e)
            {
                Audit(session, request, started, null, e.ErrorId);
                pump.Post(() => WriteSentinelError(e));
            }
            catch (OperationCanceledException)
            {
                Audit(session, request, started, null, "stopped");
                throw;
            }
        }
    }
}
