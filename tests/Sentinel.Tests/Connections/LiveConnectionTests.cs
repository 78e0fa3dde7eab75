using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Sentinel.Tests.HostKeys;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Connections
{
    /// <summary>
    /// A session's connection over time: the keepalive that declares a silent server lost, and the
    /// one reconnect a broken session gets, which must meet the host key it was opened with.
    /// </summary>
    public sealed class LiveConnectionTests : IDisposable
    {
        private static readonly TimeSpan HangCeiling = TimeSpan.FromSeconds(30);
        private static readonly KeepAliveSettings Fast = new KeepAliveSettings(TimeSpan.FromMilliseconds(1), 3);
        private static readonly KeepAliveSettings Off = new KeepAliveSettings(TimeSpan.Zero, 3);
        private static readonly byte[] Key = TestKeys.Bytes(TestKeys.Ed25519);
        private static readonly byte[] OtherKey = TestKeys.Changed(TestKeys.Ed25519);

        private readonly string _folder = Path.Combine(Path.GetTempPath(), "sentinel-live-" + Guid.NewGuid().ToString("N"));
        private readonly ScriptedTransport _transport = new ScriptedTransport();
        private readonly List<string> _log = new List<string>();

        public LiveConnectionTests()
        {
            Directory.CreateDirectory(_folder);
            KnowHostKeys(Key);
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private string KnownHosts => Path.Combine(_folder, "known_hosts");

        private void KnowHostKeys(params byte[][] keys)
        {
            var lines = new List<string>();
            foreach (var key in keys)
            {
                lines.Add("10.0.0.9 ssh-ed25519 " + Convert.ToBase64String(key));
            }

            File.WriteAllLines(KnownHosts, lines);
        }

        private ConnectionSettings Settings() => new ConnectionSettings("web01", "10.0.0.9", 22, "ops")
        {
            Password = ConnectionPlannerTests.Secret("pw"),
            KnownHostsFile = KnownHosts,
            HostKeyPolicy = HostKeyPolicy.Strict,
            KeepAlive = Off,
        };

        private SentinelSession Session(ScriptedConnection connection, KeepAliveSettings? keepAlive = null) =>
            new SentinelSession(1, Settings(), new LiveConnection(connection, keepAlive ?? Off), Fingerprint.Sha256(Key), "ssh-ed25519");

        /// <summary>web01 answers with a new connection after presenting <paramref name="key"/>; <paramref name="meanwhile"/> runs as it does.</summary>
        private ScriptedConnection Answers(byte[] key, Action? meanwhile = null)
        {
            var connection = new ScriptedConnection("reconnected");
            _transport.On("web01", (request, token) =>
            {
                Assert.True(request.VerifyHostKey(new HostKeyOffer("ssh-ed25519", key)), "known_hosts vouches for the key");
                meanwhile?.Invoke();
                return Task.FromResult<ISshConnection>(connection);
            });
            return connection;
        }

        private Task<LiveConnection> Usable(SentinelSession session, bool allowReconnect) =>
            new Connector(_transport).UsableConnectionAsync(session, allowReconnect, line => { lock (_log) { _log.Add(line); } }, CancellationToken.None);

        private static async Task WaitUntil(Func<bool> condition)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                Assert.True(clock.Elapsed < HangCeiling, "condition not reached in time");
                await Task.Delay(5);
            }
        }

        [Fact]
        public async Task AfterCountMaxMissedKeepalivesInARowTheConnectionIsLostAndClosed()
        {
            var connection = new ScriptedConnection { PingAnswer = false };
            using var live = new LiveConnection(connection, Fast);

            var reason = await live.Lost.WaitAsync(HangCeiling);

            Assert.Contains("did not answer 3 keepalives in a row", reason);
            Assert.Equal(3, connection.PingCount);
            Assert.False(live.IsAlive);
            await WaitUntil(() => connection.DisposeCount == 1);
        }

        [Fact]
        public async Task AnAnsweredKeepaliveStartsTheCountAgain()
        {
            var connection = new ScriptedConnection { PingAnswer = false }.ThenPings(false, false, true, false, false, true);
            using var live = new LiveConnection(connection, Fast);

            await live.Lost.WaitAsync(HangCeiling);

            Assert.Equal(9, connection.PingCount);
        }

        [Fact]
        public async Task ABrokenSessionIsKeptBrokenWhenReconnectingIsNotAllowedAndTheErrorSaysWhy()
        {
            var session = Session(new ScriptedConnection { PingAnswer = false }, Fast);
            await session.Connection!.Lost.WaitAsync(HangCeiling);
            Assert.Equal(SentinelSessionState.Broken, session.State);

            var error = await Assert.ThrowsAsync<SentinelException>(() => Usable(session, allowReconnect: false));

            Assert.Equal(ErrorIds.SessionBroken, error.ErrorId);
            Assert.Contains("did not answer 3 keepalives", error.Message);
            Assert.Empty(_transport.Requests);
        }

        [Fact]
        public async Task AnOpenSessionKeepsItsConnectionAndAClosedOneIsRefused()
        {
            var session = Session(new ScriptedConnection());
            var connection = session.Connection;

            Assert.Same(connection, await Usable(session, allowReconnect: true));
            session.Close();
            Assert.Equal(ErrorIds.SessionClosed, (await Assert.ThrowsAsync<SentinelException>(() => Usable(session, allowReconnect: true))).ErrorId);
            Assert.Empty(_transport.Requests);
        }

        [Fact]
        public async Task ABrokenSessionReconnectsOnceToTheSameKeyAndClosesTheOldConnection()
        {
            var dropped = new ScriptedConnection { Connected = false };
            var session = Session(dropped);
            var reconnected = Answers(Key);

            var live = await Usable(session, allowReconnect: true);

            Assert.Same(reconnected, live.Connection);
            Assert.Same(live, session.Connection);
            Assert.Equal((SentinelSessionState.Open, 1), (session.State, session.Reconnects));
            Assert.Equal(1, dropped.DisposeCount);
            Assert.Equal(0, reconnected.DisposeCount);
            Assert.Single(_transport.Requests);
            Assert.Contains(_log, line => line.Contains("is broken (the connection closed); reconnecting once", StringComparison.Ordinal));
        }

        [Fact]
        public async Task AReconnectMeetingAnotherKeyIsRefusedEvenWhenKnownHostsVouchesForIt()
        {
            KnowHostKeys(Key, OtherKey);
            var dropped = new ScriptedConnection { Connected = false };
            var session = Session(dropped);
            var reconnected = Answers(OtherKey);

            var error = await Assert.ThrowsAsync<SentinelException>(() => Usable(session, allowReconnect: true));

            Assert.Equal((ErrorIds.HostKeyMismatch, ErrorCategory.SecurityError), (error.ErrorId, error.Category));
            Assert.Contains(Fingerprint.Sha256(OtherKey), error.Message);
            Assert.Equal(1, reconnected.DisposeCount);
            Assert.Equal((SentinelSessionState.Broken, 0), (session.State, session.Reconnects));
            Assert.Same(dropped, session.Connection!.Connection);
        }

        [Fact]
        public async Task ASessionClosedWhileReconnectingStaysClosedAndTheNewConnectionIsClosed()
        {
            var session = Session(new ScriptedConnection { Connected = false });
            var reconnected = Answers(Key, meanwhile: () => session.Close());

            var error = await Assert.ThrowsAsync<SentinelException>(() => Usable(session, allowReconnect: true));

            Assert.Equal(ErrorIds.SessionClosed, error.ErrorId);
            Assert.Equal(1, reconnected.DisposeCount);
            Assert.Equal((SentinelSessionState.Closed, 0), (session.State, session.Reconnects));
        }

        [Fact]
        public async Task AReconnectThatFailsIsTheConnectErrorAndTheSessionStaysBroken()
        {
            var session = Session(new ScriptedConnection { Connected = false });
            _transport.Fail("web01", ConnectionErrors.Failed("web01", 22, "refused by the scripted transport"));

            var error = await Assert.ThrowsAsync<SentinelException>(() => Usable(session, allowReconnect: true));

            Assert.Equal(ErrorIds.ConnectionFailed, error.ErrorId);
            Assert.Equal((SentinelSessionState.Broken, 0), (session.State, session.Reconnects));
        }
    }
}
