using System;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Execution;
using Sentinel.Hosts;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Tests.Fakes
{
    /// <summary>A host for the controllers whose commands a function answers, on a session of its own or one given.</summary>
    internal sealed class ScriptedRemoteHost : IRemoteHost
    {
        private readonly Func<CommandRequest, CancellationToken, Task<CommandResult>> _run;

        public ScriptedRemoteHost(SentinelSession session, Func<CommandRequest, CancellationToken, Task<CommandResult>> run)
        {
            Session = session;
            _run = run;
        }

        public string ComputerName => Session.ComputerName;

        public SentinelSession Session { get; }

        public SecureString? SudoPassword { get; set; }

        public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken) => _run(request, cancellationToken);

        /// <summary>A session to web01 as ops over a connection that runs nothing itself.</summary>
        public static SentinelSession NewSession(ISshConnection? connection = null) =>
            new SentinelSession(1, new ConnectionSettings("web01", "web01", 22, "ops"), new LiveConnection(connection ?? new ScriptedConnection(), new KeepAliveSettings(TimeSpan.Zero, 3)), "SHA256:test", "ssh-ed25519");
    }
}
