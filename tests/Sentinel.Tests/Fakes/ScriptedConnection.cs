using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Transport;

namespace Sentinel.Tests.Fakes
{
    /// <summary>
    /// An ISshConnection whose Start hands out scripted processes in order (or runs a scripted
    /// behaviour, which may throw or block), whose ForwardLocal hands out fake forwards, and which
    /// counts its disposals.
    /// </summary>
    internal sealed class ScriptedConnection : ISshConnection
    {
        private readonly ConcurrentQueue<Func<string, IRemoteProcess>> _starts = new ConcurrentQueue<Func<string, IRemoteProcess>>();
        private readonly List<string> _commands = new List<string>();
        private readonly List<ScriptedForward> _forwards = new List<ScriptedForward>();
        private readonly ConcurrentQueue<bool> _pings = new ConcurrentQueue<bool>();
        private static int _nextPort = 40000;
        private int _disposeCount;
        private int _pingCount;

        public ScriptedConnection(string name = "fake")
        {
            Name = name;
        }

        public string Name { get; }

        public string ServerVersion { get; set; } = "SSH-2.0-OpenSSH_9.6 (scripted)";

        public string Algorithms { get; set; } = "kex curve25519-sha256, host key ssh-ed25519, cipher aes128-ctr";

        /// <summary>True until disposed, unless set otherwise.</summary>
        public bool Connected { get; set; } = true;

        public bool IsConnected => Connected && !IsDisposed;

        /// <summary>What PingAsync answers once the answers given to <see cref="ThenPings"/> are used up.</summary>
        public bool PingAnswer { get; set; } = true;

        /// <summary>How many times PingAsync was asked.</summary>
        public int PingCount => Volatile.Read(ref _pingCount);

        /// <summary>When set, ForwardLocal throws it.</summary>
        public Exception? ForwardFailure { get; set; }

        /// <summary>
        /// True (the default): each process begins its stderr with the wrapper's line, as a server that
        /// runs the line does. False for a server that answers without running it, or a test that
        /// writes that line itself.
        /// </summary>
        public bool WrapperRuns { get; set; } = true;

        /// <summary>What Start does once the scripted queue is empty; by default it throws InvalidOperationException.</summary>
        public Func<string, IRemoteProcess>? OnStart { get; set; }

        public int DisposeCount => Volatile.Read(ref _disposeCount);

        public bool IsDisposed => DisposeCount > 0;

        /// <summary>The command texts Start received, in order.</summary>
        public IReadOnlyList<string> Commands
        {
            get
            {
                lock (_commands)
                {
                    return _commands.ToList();
                }
            }
        }

        /// <summary>The forwards handed out, in order.</summary>
        public IReadOnlyList<ScriptedForward> Forwards
        {
            get
            {
                lock (_forwards)
                {
                    return _forwards.ToList();
                }
            }
        }

        /// <summary>The next Start returns <paramref name="process"/>.</summary>
        public ScriptedConnection Then(ScriptedProcess process)
        {
            _starts.Enqueue(command => process);
            return this;
        }

        /// <summary>The next Start throws <paramref name="exception"/>.</summary>
        public ScriptedConnection ThenStartThrows(Exception exception)
        {
            _starts.Enqueue(command => throw exception);
            return this;
        }

        /// <summary>The next Start runs <paramref name="behaviour"/> (it may block, for a channel request never answered).</summary>
        public ScriptedConnection Then(Func<string, IRemoteProcess> behaviour)
        {
            _starts.Enqueue(behaviour);
            return this;
        }

        public IRemoteProcess Start(string commandText)
        {
            if (IsDisposed)
            {
                throw new ObjectDisposedException(nameof(ScriptedConnection));
            }

            lock (_commands)
            {
                _commands.Add(commandText);
            }

            var process = _starts.TryDequeue(out var next) ? next(commandText)
                : OnStart != null ? OnStart(commandText)
                : throw new InvalidOperationException($"ScriptedConnection '{Name}': no process scripted for '{commandText}'.");
            return WrapperRuns ? WrapperRan.For(commandText, process) : process;
        }

        /// <summary>The next PingAsync calls answer these, in order (while connected).</summary>
        public ScriptedConnection ThenPings(params bool[] answers)
        {
            foreach (var answer in answers)
            {
                _pings.Enqueue(answer);
            }

            return this;
        }

        public Task<bool> PingAsync(TimeSpan timeout)
        {
            Interlocked.Increment(ref _pingCount);
            var answer = _pings.TryDequeue(out var scripted) ? scripted : PingAnswer;
            return Task.FromResult(answer && IsConnected);
        }

        public IPortForward ForwardLocal(string host, int port)
        {
            if (ForwardFailure != null)
            {
                throw ForwardFailure;
            }

            var forward = new ScriptedForward(host, port, Interlocked.Increment(ref _nextPort));
            lock (_forwards)
            {
                _forwards.Add(forward);
            }

            return forward;
        }

        /// <summary>What OpenFileTransfer hands out; without it, OpenFileTransfer throws.</summary>
        public IFileTransfer? FileTransfer { get; set; }

        public IFileTransfer OpenFileTransfer() => FileTransfer ?? throw new FileTransferException($"ScriptedConnection '{Name}': no file transfer scripted.", permissionDenied: false);

        public void Dispose() => Interlocked.Increment(ref _disposeCount);
    }

    /// <summary>A fake 127.0.0.1 forward: remembers where it leads and counts its disposals.</summary>
    internal sealed class ScriptedForward : IPortForward
    {
        private int _disposeCount;

        public ScriptedForward(string host, int port, int localPort)
        {
            Host = host;
            Port = port;
            LocalPort = localPort;
        }

        public string Host { get; }

        public int Port { get; }

        public int LocalPort { get; }

        public int DisposeCount => Volatile.Read(ref _disposeCount);

        public bool IsDisposed => DisposeCount > 0;

        public void Dispose() => Interlocked.Increment(ref _disposeCount);
    }
}
