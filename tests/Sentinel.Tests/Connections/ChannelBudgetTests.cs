using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Audit;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Hosts;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Sentinel.Tests.HostKeys;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Connections
{
    /// <summary>
    /// Servers that allow fewer channels than Sentinel assumes: MaxSessions 1 (a refused open is "no
    /// more channels": queue, and a copy's SFTP yields to its commands), tinysshd (the connection
    /// closes after its one channel: a fresh connection per channel, same host key), and one that opens
    /// none (Sentinel.ChannelLimit).
    /// </summary>
    public sealed class ChannelBudgetTests : IDisposable
    {
        private static readonly TimeSpan HangCeiling = TimeSpan.FromSeconds(30);
        private static readonly KeepAliveSettings NoKeepAlive = new KeepAliveSettings(TimeSpan.Zero, 3);

        private readonly string _folder = Path.Combine(Path.GetTempPath(), "channelbudget-" + Guid.NewGuid().ToString("N"));
        private readonly ScriptedTransport _transport = new ScriptedTransport { HostKey = new HostKeyOffer("ssh-ed25519", TestKeys.Bytes(TestKeys.Ed25519)) };
        private readonly ConcurrentQueue<string> _verbose = new ConcurrentQueue<string>();

        public ChannelBudgetTests() => Directory.CreateDirectory(_folder);

        public void Dispose()
        {
            AuditLog.Flush(HangCeiling);
            Directory.Delete(_folder, recursive: true);
        }

        private HostContext Context() =>
            new HostContext(new Connector(_transport), new AuditTrail(Path.Combine(_folder, "audit.jsonl"), "Test-Host"), _verbose.Enqueue, CancellationToken.None);

        private SentinelSession Session(ISshConnection connection) =>
            new SentinelSession(7, new ConnectionSettings("web01", "192.0.2.11", 22, "ops")
            {
                Password = ConnectionPlannerTests.Secret("login"),
                KnownHostsFile = Path.Combine(_folder, "known_hosts"),
                KeepAlive = NoKeepAlive,
            }, new LiveConnection(connection, NoKeepAlive), TestKeys.Ed25519Fingerprint, "ssh-ed25519");

        private static Task<CommandResult> Run(RemoteHost host, string command) => host.RunAsync(new CommandRequest(command), CancellationToken.None).WaitAsync(HangCeiling);

        [Fact]
        public async Task ARefusalTeachesTheChannelsOpenAtThatMomentAndNoneOpenIsNoBudgetAtAll()
        {
            var budget = new ChannelBudget();
            Assert.False(budget.Refused(openBeside: 0));
            Assert.Equal(ChannelBudget.Assumed, budget.Limit);

            Assert.True(budget.Refused(openBeside: 2));
            Assert.Equal(2, budget.Limit);
            await budget.AcquireAsync(CancellationToken.None);
            await budget.AcquireAsync(CancellationToken.None);
            var third = budget.AcquireAsync(CancellationToken.None);
            Assert.False(third.IsCompleted, "a third channel waits");
            budget.Release();
            await third.WaitAsync(HangCeiling);
            Assert.Equal(2, budget.InUse);
        }

        [Fact]
        public async Task ACommandRefusedAChannelWaitsForTheOneOpenAndRunsNotConnectionLost()
        {
            var server = new MaxSessionsServer(limit: 1);
            var host = new RemoteHost(HostTarget.OfSession(Session(server)), Context());
            var held = ScriptedProcess.HoldOpen("first\n");
            server.Next = held;

            var first = Run(host, "sleep 5; echo first");
            await WaitUntil(() => server.Open == 1);
            var second = Run(host, "echo second");
            await WaitUntil(() => server.Refusals == 1);
            Assert.False(second.IsCompleted, "the second command waits for the first one's channel");

            held.Exit(0);
            Assert.Equal("first\n", (await first).Output);
            Assert.Equal("ran echo second\n", (await second).Output);
            Assert.Equal(1, host.Session.Connection!.Channels.Limit);
            Assert.Equal(SentinelSessionState.Open, host.Session.State);

            // Learnt: later commands queue before the server has to refuse them.
            var more = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Run(host, $"echo {i}")));
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"ran echo {i}\n"), more.Select(r => r.Output));
            Assert.Equal(1, server.Refusals);
            Assert.Equal(1, server.MostOpen);
        }

        [Fact]
        public async Task ACopysIdleSftpChannelYieldsToItsCommandAndOpensAgainAfter()
        {
            var server = new MaxSessionsServer(limit: 1);
            var host = new RemoteHost(HostTarget.OfSession(Session(server)), Context());

            using (var transfer = await host.OpenFileTransferAsync(CancellationToken.None).WaitAsync(HangCeiling))
            {
                Assert.NotNull(transfer.Stat("/etc/hosts"));
                Assert.Equal("ran sha256sum -- x\n", (await Run(host, "sha256sum -- x")).Output);
                Assert.NotNull(transfer.Stat("/etc/hosts"));
                Assert.Equal("ran mv x y\n", (await Run(host, "mv x y")).Output);
            }

            Assert.Equal(2, server.SftpOpened);
            Assert.Equal(0, server.Open);
            Assert.Equal(1, server.MostOpen);
            Assert.Equal(0, host.Session.Connection!.Channels.InUse);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task AServerThatClosesTheConnectionAfterOneChannelGetsAFreshConnectionPerChannelSaidOnce(bool closeSeenAtPing)
        {
            var fresh = new List<OneChannelServer>();
            _transport.On("web01", (request, token) =>
            {
                var connection = new OneChannelServer(closeSeenAtPing);
                lock (fresh)
                {
                    fresh.Add(connection);
                }

                return Task.FromResult<ISshConnection>(connection);
            });
            var session = Session(new OneChannelServer(closeSeenAtPing));
            var host = new RemoteHost(HostTarget.OfSession(session), Context());

            var outputs = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                outputs.Add((await Run(host, $"echo {i}")).Output);
            }

            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"ran echo {i}\n"), outputs);
            Assert.True(session.Live.OneChannelPerConnection);
            Assert.Equal(SentinelSessionState.Open, session.State);
            Assert.Single(_verbose, line => line.Contains("closes the connection after one channel", StringComparison.Ordinal));

            // Each connection carried one channel at most, and each one a channel had of its own was closed after it.
            Assert.All(fresh, connection => Assert.True(connection.Served <= 1));
            Assert.All(fresh.Where(c => c != session.Connection!.Connection), connection => Assert.True(connection.DisposeCount > 0));

            var running = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Run(host, $"echo at once {i}")));
            Assert.All(running, result => Assert.StartsWith("ran echo at once", result.Output, StringComparison.Ordinal));
        }

        [Fact]
        public async Task AFreshConnectionMustShowTheSessionsHostKey()
        {
            _transport.On("web01", (request, token) => Task.FromResult<ISshConnection>(new OneChannelServer()));
            var session = Session(new OneChannelServer());
            session.Live.NoteClosedAfterOneChannel(ClosedAfterOne());
            session.Live.NoteClosedAfterOneChannel(ClosedAfterOne());
            Assert.True(session.Live.OneChannelPerConnection);
            _transport.HostKey = new HostKeyOffer("ssh-ed25519", TestKeys.Bytes(TestKeys.Ecdsa256));
            var host = new RemoteHost(HostTarget.OfSession(session), new HostContext(new Connector(_transport), new AuditTrail(null, "Test-Host"), _verbose.Enqueue, CancellationToken.None));

            var error = await Assert.ThrowsAsync<SentinelException>(() => Run(host, "id"));

            Assert.Equal(ErrorIds.HostKeyMismatch, error.ErrorId);
        }

        [Fact]
        public async Task OnceEachChannelConnectsAfreshTheFirstConnectionsKeepaliveVerdictStopsNoCommand()
        {
            // A connect takes a while, as a real one does.
            _transport.On("web01", async (request, token) =>
            {
                await Task.Yield();
                return new OneChannelServer();
            });
            var first = new ScriptedConnection("closed by the server") { PingAnswer = false };
            var session = new SentinelSession(7, new ConnectionSettings("web01", "192.0.2.11", 22, "ops")
            {
                Password = ConnectionPlannerTests.Secret("login"),
                KnownHostsFile = Path.Combine(_folder, "known_hosts"),
                KeepAlive = NoKeepAlive,
            }, new LiveConnection(first, new KeepAliveSettings(TimeSpan.FromMilliseconds(1), 1)), TestKeys.Ed25519Fingerprint, "ssh-ed25519");
            session.Live.NoteClosedAfterOneChannel(ClosedAfterOne());
            session.Live.NoteClosedAfterOneChannel(ClosedAfterOne());
            await session.Connection!.Lost.WaitAsync(HangCeiling);
            var host = new RemoteHost(HostTarget.OfSession(session), Context());

            Assert.Equal("ran id\n", (await Run(host, "id")).Output);
            Assert.Equal(SentinelSessionState.Open, session.State);
        }

        [Fact]
        public async Task AServerThatOpensNoChannelAtAllIsChannelLimitNotConnectionLost()
        {
            var server = new MaxSessionsServer(limit: 0);
            _transport.On("web01", (request, token) => Task.FromResult<ISshConnection>(new MaxSessionsServer(limit: 0)));
            var host = new RemoteHost(HostTarget.OfSession(Session(server)), Context());

            var error = await Assert.ThrowsAsync<SentinelException>(() => Run(host, "id"));

            Assert.Equal(ErrorIds.ChannelLimit, error.ErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.ResourceUnavailable, error.Category);
            Assert.Equal("web01", error.ComputerName);
            Assert.Contains("MaxSessions", error.RecommendedAction, StringComparison.Ordinal);
            Assert.Equal(SentinelSessionState.Open, host.Session.State);
        }

        private static LiveConnection ClosedAfterOne()
        {
            var connection = new LiveConnection(new ScriptedConnection(), NoKeepAlive);
            connection.ChannelOpened();
            return connection;
        }

        private static async Task WaitUntil(Func<bool> condition)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!condition())
            {
                Assert.True(clock.Elapsed < HangCeiling, "condition not reached in time");
                await Task.Delay(5);
            }
        }

        /// <summary>An OpenSSH with MaxSessions <c>limit</c>: a channel open beyond it is refused, the connection stays.</summary>
        private sealed class MaxSessionsServer : ISshConnection
        {
            private readonly int _limit;
            private int _open;
            private int _mostOpen;
            private int _refusals;
            private int _sftpOpened;
            private ScriptedProcess? _next;

            public MaxSessionsServer(int limit) => _limit = limit;

            /// <summary>What the next Start hands out instead of a command that prints "ran ...".</summary>
            public ScriptedProcess Next
            {
                set => Volatile.Write(ref _next, value);
            }

            public int Open => Volatile.Read(ref _open);

            public int MostOpen => Volatile.Read(ref _mostOpen);

            public int Refusals => Volatile.Read(ref _refusals);

            public int SftpOpened => Volatile.Read(ref _sftpOpened);

            public string ServerVersion => "SSH-2.0-OpenSSH_9.2 (MaxSessions scripted)";

            public string Algorithms => "scripted";

            public bool IsConnected => true;

            public IRemoteProcess Start(string commandText)
            {
                OpenChannel();
                var process = Interlocked.Exchange(ref _next, null) ?? new ScriptedProcess($"ran {RunnerLine.Unwrap(commandText).Command}\n");
                return WrapperRan.For(commandText, new Channel(process, () => Interlocked.Decrement(ref _open)));
            }

            public IFileTransfer OpenFileTransfer()
            {
                OpenChannel();
                Interlocked.Increment(ref _sftpOpened);
                return new StatOnlyTransfer(() => Interlocked.Decrement(ref _open));
            }

            public Task<bool> PingAsync(TimeSpan timeout) => Task.FromResult(true);

            public IPortForward ForwardLocal(string host, int port) => throw new NotSupportedException();

            public void Dispose()
            {
            }

            private void OpenChannel()
            {
                lock (this)
                {
                    if (_open >= _limit)
                    {
                        _refusals++;
                        throw new ChannelRefusedException("Failed to open a channel after 1 attempts.");
                    }

                    _open++;
                    _mostOpen = Math.Max(_mostOpen, _open);
                }
            }
        }

        /// <summary>
        /// tinysshd: one channel per connection, and the connection closes once it ended. The close
        /// arrives after the channel's: a ping before the next channel sees it (when
        /// <c>closeSeenAtPing</c>), or else the next open runs into it.
        /// </summary>
        private sealed class OneChannelServer : ISshConnection
        {
            private readonly bool _closeSeenAtPing;

            private int _channels;
            private int _served;
            private int _disposeCount;
            private bool _closed;

            public OneChannelServer(bool closeSeenAtPing = false) => _closeSeenAtPing = closeSeenAtPing;

            /// <summary>Channels opened (one at most).</summary>
            public int Served => Volatile.Read(ref _served);

            public int DisposeCount => Volatile.Read(ref _disposeCount);

            public string ServerVersion => "SSH-2.0-tinyssh_20230101 (scripted)";

            public string Algorithms => "scripted";

            // The server's close arrives after the channel's: the next open may still find the connection up.
            public bool IsConnected => !Volatile.Read(ref _closed) && DisposeCount == 0;

            public IRemoteProcess Start(string commandText)
            {
                if (Interlocked.Increment(ref _channels) > 1)
                {
                    Volatile.Write(ref _closed, true);
                    throw ConnectionErrors.Lost("web01", "An established connection was aborted by the server.");
                }

                Interlocked.Increment(ref _served);
                return WrapperRan.For(commandText, new ScriptedProcess($"ran {RunnerLine.Unwrap(commandText).Command}\n"));
            }

            public IFileTransfer OpenFileTransfer() => throw new NotSupportedException();

            public Task<bool> PingAsync(TimeSpan timeout)
            {
                if (_closeSeenAtPing && Served > 0)
                {
                    Volatile.Write(ref _closed, true);
                }

                return Task.FromResult(IsConnected);
            }

            public IPortForward ForwardLocal(string host, int port) => throw new NotSupportedException();

            public void Dispose() => Interlocked.Increment(ref _disposeCount);
        }

        /// <summary>A channel that counts as open on its server until disposed.</summary>
        private sealed class Channel : IRemoteProcess
        {
            private readonly ScriptedProcess _process;
            private Action? _closed;

            public Channel(ScriptedProcess process, Action closed)
            {
                _process = process;
                _closed = closed;
            }

            public Stream StandardOutput => _process.StandardOutput;

            public Stream StandardError => _process.StandardError;

            public Task<RemoteExit> Completion => _process.Completion;

            public Stream OpenStandardInput() => _process.OpenStandardInput();

            public void Terminate() => _process.Terminate();

            public void Dispose()
            {
                _process.Dispose();
                Interlocked.Exchange(ref _closed, null)?.Invoke();
            }
        }

        /// <summary>An SFTP channel that answers Stat and counts as open until disposed.</summary>
        private sealed class StatOnlyTransfer : IFileTransfer
        {
            private Action? _closed;

            public StatOnlyTransfer(Action closed) => _closed = closed;

            public RemoteFileInfo? Stat(string path) => _closed == null ? throw new ObjectDisposedException("sftp") : new ScriptedFileTransfer().AddFile(path, "x").Stat(path);

            public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken) => Task.FromResult(Stat(path));

            public Task<IReadOnlyList<RemoteFileInfo>> ListAsync(string directory, int maxEntries, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task UploadNewAsync(Stream source, string path, Action<long> progress, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task DownloadAsync(string path, Stream destination, Action<long> progress, CancellationToken cancellationToken) => throw new NotSupportedException();

            public void Replace(string from, string to) => throw new NotSupportedException();

            public Task ReplaceAsync(string from, string to, CancellationToken cancellationToken) => throw new NotSupportedException();

            public void Remove(string path) => throw new NotSupportedException();

            public void CreateDirectory(string path) => throw new NotSupportedException();

            public void RemoveDirectory(string path) => throw new NotSupportedException();

            public void SetOwner(string path, int userId, int groupId) => throw new NotSupportedException();

            public void SetMode(string path, int mode) => throw new NotSupportedException();

            public Task SetModeAsync(string path, int mode, CancellationToken cancellationToken) => throw new NotSupportedException();

            public void Dispose() => Interlocked.Exchange(ref _closed, null)?.Invoke();
        }
    }
}
