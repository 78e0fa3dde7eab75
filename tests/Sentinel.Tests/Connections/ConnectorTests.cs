using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Inventory;
using Sentinel.Tests.Fakes;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Connections
{
    /// <summary>What each hop of a jump chain is offered, and that every fault path closes what was opened.</summary>
    public sealed class ConnectorTests : IDisposable
    {
        private static readonly string[] Chain = { "first", "middle", "target" };
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "connector-" + Guid.NewGuid().ToString("N"));
        private readonly ScriptedTransport _transport = new ScriptedTransport();
        private readonly List<string> _log = new List<string>();

        public ConnectorTests()
        {
            Directory.CreateDirectory(_folder);
            File.WriteAllText(Path.Combine(_folder, "config"), string.Join("\n",
                "Host first", "  HostName 10.0.0.1", "  IdentityFile /keys/first",
                "Host middle", "  HostName 10.0.0.2", "  IdentityFile /keys/middle",
                "Host target", "  HostName 10.0.0.3", "  Port 22", ""));
            foreach (var key in new[] { "/keys/first", "/keys/middle", "/keys/target" })
            {
                _transport.AddKey(key);
            }
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private ConnectionSettings Settings(ConnectionParameters asked)
        {
            asked.KnownHostsFile = Path.Combine(_folder, "known_hosts");
            var planner = new ConnectionPlanner(_transport, asked, SshConfig.Load(Path.Combine(_folder, "config")), () => new List<Results.ServerEntry>(), p => p, name => null);
            return planner.SettingsFor("target", null);
        }

        private ConnectionSettings ThroughTwoHops(ConnectionParameters? asked = null)
        {
            asked ??= new ConnectionParameters { KeyFiles = new[] { "/keys/target" }, Password = ConnectionPlannerTests.Secret("targetpass") };
            asked.JumpHost = "first,middle";
            return Settings(asked);
        }

        private Task<ConnectAttempt> Connect(ConnectionSettings settings, CancellationToken token = default) =>
            new Connector(_transport).ConnectAsync(settings, line => { lock (_log) { _log.Add(line); } }, token);

        private void AssertEverythingClosed()
        {
            Assert.NotEmpty(_transport.Requests);
            Assert.All(_transport.Connections, c => Assert.Equal(1, c.DisposeCount));
            Assert.All(_transport.Connections.SelectMany(c => c.Forwards), f => Assert.Equal(1, f.DisposeCount));
        }

        [Fact]
        public async Task EachHopIsOfferedOnlyItsOwnKeysAndTheTargetItsPasswordAndKey()
        {
            foreach (var host in Chain)
            {
                _transport.Accept(host);
            }

            var attempt = await Connect(ThroughTwoHops());
            Assert.NotNull(attempt.Connection);

            var first = _transport.RequestsFor("first").Single();
            var middle = _transport.RequestsFor("middle").Single();
            var target = _transport.RequestsFor("target").Single();
            Assert.Equal(new[] { "/keys/first" }, first.KeyPaths);
            Assert.Null(first.Password);
            Assert.Equal(new[] { "/keys/middle" }, middle.KeyPaths);
            Assert.Null(middle.Password);
            Assert.Equal(new[] { "/keys/target" }, target.KeyPaths);
            Assert.Equal("targetpass", target.Password);

            // Each hop is dialled at its own address, the next one through the previous hop's forward.
            Assert.Equal("10.0.0.1", first.Address);
            Assert.Equal(("127.0.0.1", _transport.Connections[0].Forwards.Single().LocalPort), (middle.Address, middle.DialPort));
            Assert.Equal(("10.0.0.3", 22), (_transport.Connections[1].Forwards.Single().Host, _transport.Connections[1].Forwards.Single().Port));

            Assert.All(_transport.Connections, c => Assert.Equal(0, c.DisposeCount));
            attempt.Connection!.Dispose();
            AssertEverythingClosed();
        }

        [Fact]
        public async Task JumpHostCredentialIsOfferedToTheHopsAndNotToTheTarget()
        {
            foreach (var host in Chain)
            {
                _transport.Accept(host);
            }

            var attempt = await Connect(ThroughTwoHops(new ConnectionParameters
            {
                Password = ConnectionPlannerTests.Secret("targetpass"),
                JumpHostUserName = "hops",
                JumpHostPassword = ConnectionPlannerTests.Secret("hoppass"),
            }));

            Assert.All(_transport.Requests.Take(2), r => Assert.Equal(("hops", "hoppass"), (r.UserName, r.Password)));
            Assert.Equal("targetpass", _transport.RequestsFor("target").Single().Password);
            attempt.Connection!.Dispose();
        }

        [Fact]
        public async Task AHopWithNothingToOfferFailsAsAuthenticationFailedNamingTheHopAndDialsNothing()
        {
            File.WriteAllText(Path.Combine(_folder, "config"), "Host first\n  HostName 10.0.0.1\nHost target\n  HostName 10.0.0.3\n");
            _transport.Accept("first");
            _transport.Accept("target");

            // Default identities (if this machine has any) do not load in the scripted transport, so the hop has nothing.
            var attempt = await Connect(Settings(new ConnectionParameters { Password = ConnectionPlannerTests.Secret("targetpass"), JumpHost = "first" }));

            Assert.Null(attempt.Connection);
            Assert.Equal((ErrorIds.AuthenticationFailed, ErrorCategory.AuthenticationError), (attempt.Error!.ErrorId, attempt.Error.Category));
            Assert.Contains("jump host first", attempt.Error.Message);
            Assert.Contains("-JumpHostCredential", attempt.Error.RecommendedAction);
            Assert.Equal("first", ((SentinelException)attempt.Error.InnerException!).ComputerName);
            Assert.Empty(_transport.Requests);
        }

        [Fact]
        public async Task AHopThatRefusesFailsAsAuthenticationFailedNamingTheHop()
        {
            _transport.Fail("middle", ConnectionErrors.AuthenticationFailed("middle", "sentinel", "publickey ssh-ed25519 /keys/middle"));
            _transport.Accept("first");
            _transport.Accept("target");

            var attempt = await Connect(ThroughTwoHops());

            Assert.Equal(ErrorIds.AuthenticationFailed, attempt.Error!.ErrorId);
            Assert.StartsWith("Through jump host middle to target: Jump host middle refused", attempt.Error.Message);
            Assert.Empty(_transport.RequestsFor("target"));
            AssertEverythingClosed();
        }

        public static TheoryData<int, string> HopsAndFaults()
        {
            var data = new TheoryData<int, string>();
            for (var hop = 0; hop < Chain.Length; hop++)
            {
                foreach (var fault in new[] { "sentinel", "io", "bug" })
                {
                    data.Add(hop, fault);
                }
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(HopsAndFaults))]
        public async Task AnExceptionAtAnyHopClosesEveryEarlierHopAndForwardAndNamesTheHop(int failing, string fault)
        {
            for (var i = 0; i < Chain.Length; i++)
            {
                if (i == failing)
                {
                    _transport.Fail(Chain[i], fault == "sentinel" ? ConnectionErrors.Refused(Chain[i], 22)
                        : fault == "io" ? new IOException("disk on fire") : (Exception)new InvalidOperationException("a bug"));
                }
                else
                {
                    _transport.Accept(Chain[i]);
                }
            }

            var attempt = await Connect(ThroughTwoHops());

            Assert.Null(attempt.Connection);
            Assert.StartsWith("Sentinel.", attempt.Error!.ErrorId);
            Assert.Equal("target", attempt.Error.ComputerName);
            if (failing < Chain.Length - 1)
            {
                Assert.Contains($"jump host {Chain[failing]}", attempt.Error.Message);
            }

            Assert.Equal(failing, _transport.Connections.Count);
            AssertEverythingClosed();
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        public async Task AForwardThatCannotBeOpenedClosesTheHopsAndNamesTheHop(int failing)
        {
            foreach (var host in Chain)
            {
                _transport.Accept(host).ForwardFailure = Chain[failing] == host ? new InvalidOperationException("no forward") : null;
            }

            var attempt = await Connect(ThroughTwoHops());

            Assert.Equal(ErrorIds.ConnectionFailed, attempt.Error!.ErrorId);
            Assert.Contains($"jump host {Chain[failing]}", attempt.Error.Message);
            AssertEverythingClosed();
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(2)]
        public async Task AStopWhileConnectingToAnyHopClosesEverythingOpenedSoFar(int hanging)
        {
            Task reached = Task.CompletedTask;
            for (var i = 0; i < Chain.Length; i++)
            {
                if (i == hanging)
                {
                    reached = _transport.Hang(Chain[i]);
                }
                else
                {
                    _transport.Accept(Chain[i]);
                }
            }

            using var stop = new CancellationTokenSource();
            var connecting = Connect(ThroughTwoHops(), stop.Token);
            await reached;
            stop.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting);
            Assert.Equal(hanging, _transport.Connections.Count);
            AssertEverythingClosed();
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task AConnectionThatCompletesAsTheUserStopsIsClosedNotHandedOver(bool throughJumpHosts)
        {
            using var stop = new CancellationTokenSource();
            var late = new ScriptedConnection("target");
            _transport.On("target", (request, token) =>
            {
                stop.Cancel();
                return Task.FromResult<ISshConnection>(late);
            });
            _transport.Accept("first");
            _transport.Accept("middle");

            var settings = throughJumpHosts ? ThroughTwoHops() : Settings(new ConnectionParameters { KeyFiles = new[] { "/keys/target" } });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Connect(settings, stop.Token));

            Assert.Equal(1, late.DisposeCount);
            AssertEverythingClosed();
        }
    }
}
