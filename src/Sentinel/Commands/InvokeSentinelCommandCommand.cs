using System;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>
    /// Runs a command on one or more sessions and emits one result per host. A non-zero exit code is
    /// part of the result; a lost connection or a timeout is an error for that host.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "SentinelCommand")]
    [OutputType(typeof(CommandResult))]
    public sealed class InvokeSentinelCommandCommand : SentinelCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Command { get; set; } = string.Empty;

        /// <summary>Sessions to run on; without it, the most recently opened session that is still open.</summary>
        [Parameter(ValueFromPipeline = true)]
        [ValidateNotNull]
        public SentinelSession[]? Session { get; set; }

        /// <summary>Seconds the command may run before it is ended on the host; 0, the default, waits as long as it runs.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Timeout { get; set; }

        protected override void ProcessRecord()
        {
            var sessions = Session ?? new[] { MostRecentOpenSession() };
            var timeout = Timeout > 0 ? TimeSpan.FromSeconds(Timeout) : (TimeSpan?)null;

            RunPumped(pump => Task.WhenAll(sessions.Select(async session =>
            {
                try
                {
                    var result = await CommandRunner.RunAsync(session, Command, timeout, CommandRunner.DefaultMaxOutputBytes, StopToken).ConfigureAwait(false);
                    pump.Post(() => WriteObject(result));
                }
                catch (SentinelException e)
                {
                    pump.Post(() => WriteSentinelError(e));
                }
            })));
        }

        private SentinelSession MostRecentOpenSession()
        {
            var session = SessionStore.Current.MostRecentOpen();
            if (session == null)
            {
                ThrowSentinelError(SessionErrors.NoneOpen());
            }

            return session!;
        }
    }
}
