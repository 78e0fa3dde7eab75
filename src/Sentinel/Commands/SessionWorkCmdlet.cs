using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using Sentinel.Audit;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>One host's share of a cmdlet's work: its session, a way to run commands on it, and the pump.</summary>
    internal sealed class HostWork
    {
        public HostWork(SentinelSession session, Func<CommandRequest, Task<CommandResult>> run, PipelinePump pump)
        {
            Session = session;
            Run = run;
            Pump = pump;
        }

        public SentinelSession Session { get; }

        public Func<CommandRequest, Task<CommandResult>> Run { get; }

        public PipelinePump Pump { get; }
    }

    /// <summary>
    /// Base of the cmdlets that work on open sessions by name (services, containers): the -Session
    /// parameter (default: the newest open session), and running the hosts concurrently (at most
    /// -ThrottleLimit at a time) with one error per failing host or item, so the others go on.
    /// </summary>
    public abstract class SessionWorkCmdlet : SentinelCmdlet
    {
        private readonly List<SentinelSession> _sessions = new List<SentinelSession>();

        /// <summary>Sessions to work on; without it, the most recently opened session that is still open.</summary>
        [Parameter(ValueFromPipeline = true)]
        [ValidateNotNull]
        public SentinelSession[]? Session { get; set; }

        /// <summary>How many hosts to work on at once.</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 32;

        protected override void ProcessRecord()
        {
            foreach (var session in Session ?? new SentinelSession[0])
            {
                if (!_sessions.Contains(session))
                {
                    _sessions.Add(session);
                }
            }
        }

        internal IReadOnlyList<SentinelSession> TargetSessions()
        {
            if (_sessions.Count > 0)
            {
                return _sessions;
            }

            return new[] { MostRecentOpenSession() };
        }

        /// <summary>Keeps the names <paramref name="isValid"/> accepts and writes an error for each other one, before anything runs.</summary>
        internal string[] ValidNames(IEnumerable<string> names, Func<string, bool> isValid, Func<string, SentinelException> error)
        {
            var valid = new List<string>();
            foreach (var name in names)
            {
                if (isValid(name))
                {
                    valid.Add(name);
                }
                else
                {
                    WriteSentinelError(error(name), name);
                }
            }

            return valid.Distinct(StringComparer.Ordinal).ToArray();
        }

        /// <summary>
        /// Runs <paramref name="work"/> for each item of each session: up to -ThrottleLimit hosts at once
        /// with progress, a host's items in order. A failure for one item or host becomes that item's
        /// error; the rest goes on.
        /// </summary>
        internal void RunOnSessions(IEnumerable<KeyValuePair<SentinelSession, string[]>> itemsPerSession, Func<HostWork, string, Task> work)
        {
            var connector = new Connector(Transport);
            var plan = itemsPerSession.Where(entry => entry.Value.Length > 0).ToArray();
            RunPumped(pump => FanOut.RunAsync(plan, ThrottleLimit, pump, this, MyInvocation.MyCommand.Name, async entry =>
            {
                var session = entry.Key;
                HostWork host;
                try
                {
                    var connection = await connector.UsableConnectionAsync(session, true, line => pump.Post(() => WriteVerbose(line)), StopToken).ConfigureAwait(false);
                    host = new HostWork(session, request =>
                    {
                        pump.Post(() => WriteVerbose($"{session.ComputerName}: {(request.Sudo ? "sudo " : string.Empty)}{request.Command}"));
                        return RunAuditedAsync(session, connection, request);
                    }, pump);
                }
                catch (SentinelException e)
                {
                    pump.Post(() => WriteSentinelError(e));
                    return;
                }

                foreach (var item in entry.Value)
                {
                    try
                    {
                        await work(host, item).ConfigureAwait(false);
                    }
                    catch (SentinelException e)
                    {
                        pump.Post(() => WriteSentinelError(e));
                    }
                }
            }, StopToken));
        }
    }
}
