using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading.Tasks;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Hosts;
using Sentinel.Pipeline;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>
    /// Base of every cmdlet that works on hosts (commands, connection tests, copies, services, logs,
    /// configuration tests, containers, keys, privileges, remediation). One parameter surface for all:
    /// -Session (or piped sessions; without any host parameter, the newest open session), -ComputerName
    /// with the connection parameters, -ServerName and piped inventory entries, and -Tag. Hosts named
    /// other than by session get a connection of their own, closed when the cmdlet is done with them.
    /// </summary>
    public abstract class HostCmdlet : ConnectionCmdlet
    {
        /// <summary>The parameter set of sessions given or piped (the default).</summary>
        protected const string SessionSet = "Session";

        private readonly List<SentinelSession> _sessions = new List<SentinelSession>();

        /// <summary>Sessions to work on (they can come down the pipeline); without any host parameter, the most recently opened session that is still open.</summary>
        [Parameter(ParameterSetName = SessionSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(SessionCompleter))]
        public virtual SentinelSession[]? Session { get; set; }

        /// <summary>Hosts by name or address (~/.ssh/config aliases work as with ssh), each with a connection opened for this cmdlet and closed after it.</summary>
        [Parameter(ParameterSetName = ComputerNameSet, Mandatory = true)]
        [Alias("HostName", "Host")]
        [ValidateNotNullOrEmpty]
        public override string[]? ComputerName { get; set; }

        /// <summary>Gathers sessions and inventory names from each pipeline object, each once.</summary>
        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            base.ProcessRecord();
            GatherSessions(Session);
        }

        /// <summary>Adds sessions that came down the pipeline (or in a parameter), each once, in the order they came.</summary>
        internal void GatherSessions(IEnumerable<SentinelSession>? sessions)
        {
            foreach (var session in sessions ?? Enumerable.Empty<SentinelSession>())
            {
                if (!_sessions.Contains(session))
                {
                    _sessions.Add(session);
                }
            }
        }

        /// <summary>Every host this invocation names; a name that matches nothing is an error written here, no session at all a terminating NoSession.</summary>
        internal List<HostTarget> ResolveHosts()
        {
            if (ParameterSetName != SessionSet)
            {
                return ResolveConnectTargets();
            }

            try
            {
                return TargetResolver.Sessions(_sessions, SessionStore.Current);
            }
            catch (SentinelException e)
            {
                ThrowSentinelError(e);
                throw;
            }
        }

        /// <summary>What the hosts of this invocation share: the connector, the audit trail, verbose narration through <paramref name="pump"/>.</summary>
        internal HostContext NewHostContext(PipelinePump pump, SecureString? sudoPassword = null) =>
            new HostContext(PacedConnector(pump), AuditTrail, line => pump.Post(() => WriteVerbose(line)), StopToken) { SudoPassword = sudoPassword };

        /// <summary>
        /// Runs <paramref name="work"/> once per host, up to -ThrottleLimit hosts at once with progress,
        /// each host opened first: a host that cannot be reached, or whose work fails with a
        /// SentinelException, gets one error and the others go on. A connection opened here is closed
        /// once the host's work is done.
        /// </summary>
        internal void ForEachHost(IReadOnlyList<HostTarget> targets, SecureString? sudoPassword, Func<RemoteHost, PipelinePump, Task> work)
        {
            RunPumped(pump =>
            {
                var context = NewHostContext(pump, sudoPassword);
                return FanOut.RunAsync(targets, ThrottleLimit, FanOutProgress(pump, MyInvocation.MyCommand.Name, context.Connector.Pacer), async target =>
                {
                    var host = new RemoteHost(target, context);
                    try
                    {
                        await host.OpenAsync(StopToken).ConfigureAwait(false);
                        await work(host, pump).ConfigureAwait(false);
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

        /// <summary>As <see cref="ForEachHost"/>, one item after another on each host; a failing item is that item's error and the host's next item still runs.</summary>
        internal void ForEachItem(IReadOnlyList<HostTarget> targets, Func<HostTarget, IReadOnlyList<string>> items, SecureString? sudoPassword, Func<RemoteHost, PipelinePump, string, Task> work)
        {
            ForEachHost(targets.Where(target => items(target).Count > 0).ToList(), sudoPassword, async (host, pump) =>
            {
                foreach (var item in items(host.Target))
                {
                    try
                    {
                        await work(host, pump, item).ConfigureAwait(false);
                    }
                    catch (SentinelException e)
                    {
                        pump.Post(() => WriteSentinelError(e));
                    }
                }
            });
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
    }
}
