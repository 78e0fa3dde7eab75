using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using Sentinel.Results;

namespace Sentinel.Connections
{
    /// <summary>
    /// The sessions of one runspace. Each runspace (a console, a runbook job, a ForEach-Object
    /// -Parallel worker) sees only its own; closing the runspace or removing the module closes them.
    /// </summary>
    internal sealed class SessionStore
    {
        private static readonly ConditionalWeakTable<Runspace, SessionStore> Stores = new ConditionalWeakTable<Runspace, SessionStore>();

        private readonly List<SentinelSession> _sessions = new List<SentinelSession>();
        private int _lastId;

        /// <summary>The store of the runspace running the current pipeline.</summary>
        public static SessionStore Current
        {
            get
            {
                var runspace = Runspace.DefaultRunspace;
                return Stores.GetValue(runspace, CreateFor);
            }
        }

        public SentinelSession Add(ConnectionSettings settings, Transport.ISshConnection connection, string fingerprint, string algorithm, Transport.UserAuthentication? authentication, string? hostKeyTrust)
        {
            lock (_sessions)
            {
                var session = new SentinelSession(++_lastId, settings, new LiveConnection(connection, settings.KeepAlive), fingerprint, algorithm, authentication, hostKeyTrust);
                _sessions.Add(session);
                return session;
            }
        }

        public SentinelSession[] All()
        {
            lock (_sessions)
            {
                return _sessions.ToArray();
            }
        }

        public SentinelSession? Find(int id) => All().FirstOrDefault(s => s.Id == id);

        /// <summary>The newest session that is still open, for commands given no -Session.</summary>
        public SentinelSession? MostRecentOpen() => All().LastOrDefault(s => s.State == SentinelSessionState.Open);

        public void Remove(SentinelSession session)
        {
            session.Close();
            lock (_sessions)
            {
                _sessions.Remove(session);
            }
        }

        public void CloseAll()
        {
            foreach (var session in All())
            {
                Remove(session);
            }
        }

        private static SessionStore CreateFor(Runspace runspace)
        {
            var store = new SessionStore();
            runspace.StateChanged += (sender, e) =>
            {
                if (e.RunspaceStateInfo.State == RunspaceState.Closed || e.RunspaceStateInfo.State == RunspaceState.Broken)
                {
                    store.CloseAll();
                }
            };
            return store;
        }
    }
}
