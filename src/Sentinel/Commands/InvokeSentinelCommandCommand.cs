using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using Sentinel.Completion;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Hosts;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>
    /// Runs a command on one or more sessions and emits one result per host. A non-zero exit code is
    /// part of the result; a lost connection, a timeout or a sudo refusal is an error for that host.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "SentinelCommand", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(CommandResult), typeof(string))]
    public sealed class InvokeSentinelCommandCommand : HostCmdlet
    {
        private readonly List<string> _input = new List<string>();

        /// <summary>The command line to run, as typed at a shell on the host.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Command { get; set; } = string.Empty;

        /// <summary>Inventory servers by name (wildcards allowed); piped Get-SentinelServer output binds here.</summary>
        [Parameter(ParameterSetName = ServerNameSet, Mandatory = true, ValueFromPipelineByPropertyName = true), Alias("Name"), SupportsWildcards, ValidateNotNullOrEmpty, ArgumentCompleter(typeof(ServerNameCompleter))]
        public override string[]? ServerName { get; set; }

        /// <summary>
        /// What comes down the pipeline: sessions to run on, and anything else as lines for the command's
        /// stdin. One parameter takes both because PowerShell would bind a piped session to a string[]
        /// input parameter as its text. Without input, stdin is at end-of-file.
        /// </summary>
        [Parameter(ValueFromPipeline = true)]
        [AllowEmptyString]
        [AllowNull]
        public PSObject[]? InputObject { get; set; }

        /// <summary>Seconds the command may run on each host before it is ended there; 0, the default, waits as long as it runs.</summary>
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

        /// <inheritdoc/>

        protected override void ProcessRecord()
        {
            base.ProcessRecord();
            foreach (var item in InputObject ?? Array.Empty<PSObject>())
            {
                if (item?.BaseObject is ServerEntry)
                {
                    continue; // a piped inventory entry: a host (through -ServerName), not a line of input
                }

                if (item?.BaseObject is SentinelSession session)
                {
                    GatherSessions(new[] { session });
                }
                else
                {
                    _input.Add(item == null ? string.Empty : LanguagePrimitives.ConvertTo<string>(item));
                }
            }
        }

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var input = _input.Count > 0 ? Encoding.UTF8.GetBytes(string.Concat(_input.Select(line => line + "\n"))) : null;
            var targets = ResolveHosts();
            RunPumped(pump =>
            {
                var context = NewHostContext(pump, SudoCredential?.Password);
                context.ReconnectSessions = !NoReconnect;
                return FanOut.RunAsync(targets, ThrottleLimit, FanOutProgress(pump, "Invoke-SentinelCommand", context.Connector.Pacer), async target =>
                {
                    var host = new RemoteHost(target, context);
                    var request = new CommandRequest(Command)
                    {
                        Timeout = Timeout > 0 ? TimeSpan.FromSeconds(Timeout) : (TimeSpan?)null,
                        MaxOutputBytes = MaxOutputBytes,
                        Input = input,
                        Sudo = Sudo,
                        OnOutputLine = Stream ? line => pump.Post(() => WriteObject(line)) : (Action<string>?)null,
                    };
                    try
                    {
                        var result = await host.RunAsync(request, StopToken).ConfigureAwait(false);
                        pump.Post(() => WriteObject(result));
                    }
                    catch (SentinelException e)
                    {
                        pump.Post(() => WriteSentinelError(e));
                    }
                    finally
                    {
                        host.Close();
                    }
                }, StopToken);
            });
        }
    }
}
