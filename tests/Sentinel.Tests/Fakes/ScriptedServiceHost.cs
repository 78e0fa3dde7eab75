using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Execution;
using Sentinel.Results;
using Sentinel.Services;
using Sentinel.Transport;

namespace Sentinel.Tests.Fakes
{
    /// <summary>A host for the service engine that answers each command line through a function and remembers what it was asked.</summary>
    internal sealed class ScriptedServiceHost
    {
        private readonly Func<CommandRequest, (int Exit, string Output, string Error)> _answer;

        public ScriptedServiceHost(Func<string, (int, string, string)> answer)
            : this(answer, null)
        {
        }

        private ScriptedServiceHost(Func<string, (int, string, string)>? byCommand, Func<CommandRequest, (int, string, string)>? byRequest)
        {
            _answer = byRequest ?? (request => byCommand!(request.Command));
        }

        /// <summary>A host that answers from the whole request (to see Sudo, for example).</summary>
        public static ScriptedServiceHost OnRequest(Func<CommandRequest, (int, string, string)> answer) => new ScriptedServiceHost(null, answer);

        public List<CommandRequest> Asked { get; } = new List<CommandRequest>();

        public SentinelSession Session { get; } = NewSession();

        public ServiceController Controller() => new ServiceController(new ScriptedRemoteHost(Session, (request, _) => Run(request)), CancellationToken.None);

        public IReadOnlyList<string> Commands
        {
            get
            {
                lock (Asked)
                {
                    return Asked.ConvertAll(r => r.Command);
                }
            }
        }

        private Task<CommandResult> Run(CommandRequest request)
        {
            lock (Asked)
            {
                Asked.Add(request);
            }

            var (exit, output, error) = _answer(request);
            return Task.FromResult(new CommandResult("web01", 1, request.Command, request.Sudo, exit, null, output, error, DateTime.Now, TimeSpan.Zero, output.Length, error.Length, false));
        }

        private static SentinelSession NewSession() => new SentinelSession(1, new ConnectionSettings("web01", "web01", 22, "ops"), new LiveConnection(new IdleConnection(), new KeepAliveSettings(TimeSpan.Zero, 3)), "SHA256:test", "ssh-ed25519");

        private sealed class IdleConnection : ISshConnection
        {
            public string ServerVersion => "SSH-2.0-test";

            public string Algorithms => string.Empty;

            public bool IsConnected => true;

            public IRemoteProcess Start(string commandText) => throw new InvalidOperationException("the scripted host runs nothing");

            public Task<bool> PingAsync(TimeSpan timeout) => Task.FromResult(true);

            public IPortForward ForwardLocal(string host, int port) => throw new InvalidOperationException("the scripted host forwards nothing");

            public IFileTransfer OpenFileTransfer() => throw new InvalidOperationException("the scripted host has no SFTP");

            public void Dispose()
            {
            }
        }
    }
}
