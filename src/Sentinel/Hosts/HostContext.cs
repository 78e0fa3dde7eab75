using System;
using System.Security;
using System.Threading;
using Sentinel.Audit;
using Sentinel.Connections;

namespace Sentinel.Hosts
{
    /// <summary>What every host of one cmdlet invocation shares: how to connect, where commands are audited and narrated, the sudo password given, and the stop.</summary>
    internal sealed class HostContext
    {
        public HostContext(Connector connector, AuditTrail audit, Action<string> verbose, CancellationToken stop)
        {
            Connector = connector;
            Audit = audit;
            Verbose = verbose;
            Stop = stop;
        }

        public Connector Connector { get; }

        public AuditTrail Audit { get; }

        /// <summary>Where a host's narration goes (the cmdlet's verbose stream); callable from any thread.</summary>
        public Action<string> Verbose { get; }

        public CancellationToken Stop { get; }

        /// <summary>-SudoCredential's password; null gives each host its login password.</summary>
        public SecureString? SudoPassword { get; set; }

        /// <summary>Whether a broken session the user gave is reconnected once (a connection Sentinel opened itself always may be).</summary>
        public bool ReconnectSessions { get; set; } = true;
    }
}
