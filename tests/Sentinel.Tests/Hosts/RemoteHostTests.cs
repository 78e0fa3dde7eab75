using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Audit;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Hosts;
using Sentinel.Platform;
using Sentinel.Results;
using Sentinel.Serialization;
using Sentinel.Tests.Connections;
using Sentinel.Tests.Fakes;
using Sentinel.Tests.HostKeys;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Hosts
{
    /// <summary>RemoteHost over the scripted transport: the connection it leases, what it audits and narrates, and the sudo-password rule.</summary>
    public sealed class RemoteHostTests : IDisposable
    {
        private static readonly TimeSpan HangCeiling = TimeSpan.FromSeconds(30);
        private static readonly KeepAliveSettings NoKeepAlive = new KeepAliveSettings(TimeSpan.Zero, 3);

        private readonly string _folder = Path.Combine(Path.GetTempPath(), "remotehost-" + Guid.NewGuid().ToString("N"));
        private readonly ScriptedTransport _transport = new ScriptedTransport { HostKey = new HostKeyOffer("ssh-ed25519", TestKeys.Bytes(TestKeys.Ed25519)) };
        private readonly ConcurrentQueue<string> _verbose = new ConcurrentQueue<string>();

        public RemoteHostTests() => Directory.CreateDirectory(_folder);

        public void Dispose()
        {
            // The audit writer thread may still be appending to the folder.
            AuditLog.Flush(HangCeiling);
            Directory.Delete(_folder, recursive: true);
        }

        private string AuditPath => Path.Combine(_folder, "audit.jsonl");

        private HostContext Context(SecureString? sudoPassword = null, bool reconnectSessions = true) =>
            new HostContext(new Connector(_transport), new AuditTrail(AuditPath, "Test-Host"), _verbose.Enqueue, CancellationToken.None)
            {
                SudoPassword = sudoPassword,
                ReconnectSessions = reconnectSessions,
            };

        /// <summary>web01 at a literal address (no DNS), with a temporary known_hosts, a password login unless told otherwise, and no keepalive.</summary>
        private ConnectionSettings Settings(string? password = "login") => new ConnectionSettings("web01", "192.0.2.11", 22, "ops")
        {
            Password = password == null ? null : ConnectionPlannerTests.Secret(password),
            KnownHostsFile = Path.Combine(_folder, "known_hosts"),
            KeepAlive = NoKeepAlive,
        };

        /// <summary>A session the user opened earlier, over <paramref name="connection"/>, that met the transport's host key.</summary>
        private SentinelSession GivenSession(ScriptedConnection connection, string? password = "login") =>
            new SentinelSession(7, Settings(password), new LiveConnection(connection, NoKeepAlive), TestKeys.Ed25519Fingerprint, "ssh-ed25519");

        /// <summary>Each connect to web01 gets the next of <paramref name="connections"/>.</summary>
        private void Connects(params ScriptedConnection[] connections)
        {
            var queue = new ConcurrentQueue<ScriptedConnection>(connections);
            _transport.On("web01", (request, token) => Task.FromResult<ISshConnection>(queue.TryDequeue(out var next) ? next : throw new InvalidOperationException("no more connections scripted")));
        }

        private static IRemoteProcess SudoWantsAPassword(string commandLine)
        {
            var marker = RunnerLine.Parts(commandLine).Line.Split('\'')[1];
            Assert.StartsWith("[sentinel-sudo:", marker);
            return new ScriptedProcess(stderr: $"/bin/ls: cannot access '{marker}': No such file or directory\nsudo: no password was provided\nsudo: a password is required\n", exitCode: 1);
        }

        private List<Dictionary<string, object?>> AuditRecords()
        {
            Assert.True(AuditLog.Flush(HangCeiling));
            return File.Exists(AuditPath)
                ? File.ReadAllLines(AuditPath).Select(line => (Dictionary<string, object?>)Json.Parse(line)!).ToList()
                : new List<Dictionary<string, object?>>();
        }

        [Fact]
        public async Task AuditsACompletedAndAFailedCommandWithTheirOutcomes()
        {
            var connection = new ScriptedConnection("web01").Then(new ScriptedProcess("up 3 days\n", exitCode: 0)).Then(SudoWantsAPassword);
            var session = GivenSession(connection, password: null);
            var host = new RemoteHost(HostTarget.OfSession(session), Context());

            var result = await host.RunAsync(new CommandRequest("uptime"), CancellationToken.None).WaitAsync(HangCeiling);
            var error = await Assert.ThrowsAsync<SentinelException>(() => host.RunAsync(new CommandRequest("id -u") { Sudo = true }, CancellationToken.None).WaitAsync(HangCeiling));

            Assert.Equal("up 3 days\n", result.Output);
            Assert.Equal(ErrorIds.SudoPasswordRequired, error.ErrorId);
            var records = AuditRecords();
            Assert.Equal(2, records.Count);
            Assert.Equal(("web01", "ops", "uptime", false, "completed"), ((string)records[0]["computerName"]!, (string)records[0]["remoteUser"]!, (string)records[0]["command"]!, (bool)records[0]["sudo"]!, (string)records[0]["outcome"]!));
            Assert.Equal(0.0, Convert.ToDouble(records[0]["exitCode"]));
            Assert.Equal(7.0, Convert.ToDouble(records[0]["sessionId"]));
            Assert.Equal(("id -u", true, ErrorIds.SudoPasswordRequired), ((string)records[1]["command"]!, (bool)records[1]["sudo"]!, (string)records[1]["outcome"]!));
            Assert.Null(records[1]["exitCode"]);
            Assert.Equal(new[] { "web01: uptime", "web01: sudo id -u" }, _verbose.Where(line => line.StartsWith("web01: ", StringComparison.Ordinal)));
        }

        [Fact]
        public async Task AHostNeverReachedHasNoRecordOnlyItsError()
        {
            _transport.Fail("web01", ConnectionErrors.AuthenticationFailed("web01", "ops", "password"));
            var host = new RemoteHost(HostTarget.ToConnect(Settings(), null), Context());

            var error = await Assert.ThrowsAsync<SentinelException>(() => host.RunAsync(new CommandRequest("uptime"), CancellationToken.None).WaitAsync(HangCeiling));

            Assert.Equal(ErrorIds.AuthenticationFailed, error.ErrorId);
            Assert.Empty(AuditRecords());
            Assert.Throws<InvalidOperationException>(() => host.Session);
        }

        [Theory]
        [InlineData("login", null, "login")]
        [InlineData("login", "given", "given")]
        [InlineData(null, "given", "given")]
        [InlineData(null, null, null)]
        public async Task SudoGetsTheSudoCredentialElseTheLoginPassword(string? login, string? sudoCredential, string? expected)
        {
            var connection = new ScriptedConnection("web01").Then(new ScriptedProcess("0\n"));
            var host = new RemoteHost(HostTarget.OfSession(GivenSession(connection, login)), Context(sudoCredential == null ? null : ConnectionPlannerTests.Secret(sudoCredential)));
            var request = new CommandRequest("id -u") { Sudo = true };

            await host.RunAsync(request, CancellationToken.None).WaitAsync(HangCeiling);

            Assert.Equal(expected, ConnectionPlannerTests.Reveal(request.SudoPassword));
            Assert.Equal(expected, ConnectionPlannerTests.Reveal(host.SudoPassword));
            Assert.DoesNotContain(_verbose, line => expected != null && line.Contains(expected, StringComparison.Ordinal));
        }

        [Fact]
        public async Task ACommandWithoutSudoIsNeverGivenAPasswordAndAPasswordAlreadyGivenIsKept()
        {
            var connection = new ScriptedConnection("web01").Then(new ScriptedProcess("ops\n")).Then(new ScriptedProcess("0\n"));
            var host = new RemoteHost(HostTarget.OfSession(GivenSession(connection)), Context(ConnectionPlannerTests.Secret("given")));
            var plain = new CommandRequest("whoami");
            var own = new CommandRequest("id -u") { Sudo = true, SudoPassword = ConnectionPlannerTests.Secret("own") };

            await host.RunAsync(plain, CancellationToken.None).WaitAsync(HangCeiling);
            await host.RunAsync(own, CancellationToken.None).WaitAsync(HangCeiling);

            Assert.Null(plain.SudoPassword);
            Assert.Equal("own", ConnectionPlannerTests.Reveal(own.SudoPassword));
        }

        [Fact]
        public async Task CloseClosesTheConnectionItOpenedOnlyOnceAndFromTheKnownHostKey()
        {
            var connection = new ScriptedConnection("web01").Then(new ScriptedProcess("a\n")).Then(new ScriptedProcess("b\n"));
            Connects(connection);
            var host = new RemoteHost(HostTarget.ToConnect(Settings(), null), Context());

            await host.RunAsync(new CommandRequest("echo a"), CancellationToken.None).WaitAsync(HangCeiling);
            await host.RunAsync(new CommandRequest("echo b"), CancellationToken.None).WaitAsync(HangCeiling);
            Assert.Equal(0, connection.DisposeCount);
            host.Close();

            Assert.Single(_transport.Requests);
            Assert.Equal(("ops", "login"), (_transport.Requests[0].UserName, _transport.Requests[0].Password));
            Assert.Equal(1, connection.DisposeCount);
            Assert.Equal(TestKeys.Ed25519Fingerprint, host.Session.HostKeyFingerprint);
            Assert.Equal(SentinelSessionState.Closed, host.Session.State);
            Assert.Contains(TestKeys.Ed25519, File.ReadAllText(Path.Combine(_folder, "known_hosts")));
        }

        [Fact]
        public async Task CloseNeverClosesASessionTheUserGave()
        {
            var connection = new ScriptedConnection("web01").Then(new ScriptedProcess("a\n"));
            var session = GivenSession(connection);
            var host = new RemoteHost(HostTarget.OfSession(session), Context());

            await host.RunAsync(new CommandRequest("echo a"), CancellationToken.None).WaitAsync(HangCeiling);
            host.Close();

            Assert.Equal(0, connection.DisposeCount);
            Assert.Equal(SentinelSessionState.Open, session.State);
            Assert.Empty(_transport.Requests);
        }

        [Fact]
        public async Task ABrokenGivenSessionIsNotReconnectedWhenReconnectingIsOff()
        {
            var broken = new ScriptedConnection("web01") { Connected = false };
            Connects(new ScriptedConnection("web01"));
            var session = GivenSession(broken);
            var host = new RemoteHost(HostTarget.OfSession(session), Context(reconnectSessions: false));

            var error = await Assert.ThrowsAsync<SentinelException>(() => host.RunAsync(new CommandRequest("uptime"), CancellationToken.None).WaitAsync(HangCeiling));

            Assert.Equal(ErrorIds.SessionBroken, error.ErrorId);
            Assert.Equal(ErrorCategory.ConnectionError, error.Category);
            Assert.Empty(_transport.Requests);
            Assert.Empty(broken.Commands);
            Assert.Equal(ErrorIds.SessionBroken, (string)Assert.Single(AuditRecords())["outcome"]!);
        }

        [Fact]
        public async Task ABrokenGivenSessionIsReconnectedOnceWhenAllowedAndKeepsItsIdentity()
        {
            var broken = new ScriptedConnection("web01") { Connected = false };
            var fresh = new ScriptedConnection("web01").Then(new ScriptedProcess("up\n"));
            Connects(fresh);
            var session = GivenSession(broken);
            var host = new RemoteHost(HostTarget.OfSession(session), Context(reconnectSessions: true));

            var result = await host.RunAsync(new CommandRequest("uptime"), CancellationToken.None).WaitAsync(HangCeiling);

            Assert.Equal("up\n", result.Output);
            Assert.Equal(7, result.SessionId);
            Assert.Single(_transport.Requests);
            Assert.Equal(1, session.Reconnects);
            Assert.Same(fresh, session.Connection!.Connection);
            Assert.Equal(1, broken.DisposeCount);
            host.Close();
            Assert.Equal(0, fresh.DisposeCount);
        }

        [Fact]
        public async Task AReconnectThatMeetsAnotherHostKeyIsRefused()
        {
            var broken = new ScriptedConnection("web01") { Connected = false };
            var impostor = new ScriptedConnection("web01");
            Connects(impostor);
            var session = new SentinelSession(7, Settings(), new LiveConnection(broken, NoKeepAlive), "SHA256:someotherkey", "ssh-ed25519");
            var host = new RemoteHost(HostTarget.OfSession(session), Context());

            var error = await Assert.ThrowsAsync<SentinelException>(() => host.RunAsync(new CommandRequest("uptime"), CancellationToken.None).WaitAsync(HangCeiling));

            Assert.Equal(ErrorIds.HostKeyMismatch, error.ErrorId);
            Assert.Empty(impostor.Commands);
            Assert.Equal(1, impostor.DisposeCount);
        }

        [Fact]
        public async Task ItsOwnBrokenConnectionIsReconnectedEvenWhenGivenSessionsMayNotBe()
        {
            var first = new ScriptedConnection("web01").Then(new ScriptedProcess("a\n"));
            var second = new ScriptedConnection("web01").Then(new ScriptedProcess("b\n"));
            Connects(first, second);
            var host = new RemoteHost(HostTarget.ToConnect(Settings(), null), Context(reconnectSessions: false));

            await host.RunAsync(new CommandRequest("echo a"), CancellationToken.None).WaitAsync(HangCeiling);
            first.Connected = false;
            var result = await host.RunAsync(new CommandRequest("echo b"), CancellationToken.None).WaitAsync(HangCeiling);
            host.Close();

            Assert.Equal("b\n", result.Output);
            Assert.Equal(2, _transport.Requests.Count);
            Assert.Equal((1, 1), (first.DisposeCount, second.DisposeCount));
        }
    }
}
