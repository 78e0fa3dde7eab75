using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Xunit;

namespace Sentinel.Tests.Connections
{
    /// <summary>A runspace's sessions: ids, which one a command without -Session uses, and closing.</summary>
    public sealed class SessionStoreTests
    {
        private static readonly TimeSpan HangCeiling = TimeSpan.FromSeconds(30);

        private static SentinelSession Add(SessionStore store, ScriptedConnection? connection = null, string host = "web01")
        {
            var settings = new ConnectionSettings(host, host, 22, "ops") { KeepAlive = new KeepAliveSettings(TimeSpan.Zero, 3) };
            return store.Add(settings, connection ?? new ScriptedConnection(host), "SHA256:test", "ssh-ed25519", null, null);
        }

        [Fact]
        public void IdsCountUpFromOneAndAreNeverReused()
        {
            var store = new SessionStore();
            var first = Add(store);
            var second = Add(store);
            var third = Add(store);
            Assert.Equal(new[] { 1, 2, 3 }, new[] { first.Id, second.Id, third.Id });

            store.Remove(third);
            Assert.Equal(4, Add(store).Id);
            Assert.Same(second, store.Find(2));
            Assert.Null(store.Find(3));
            Assert.Null(store.Find(99));
        }

        [Fact]
        public void AllIsASnapshotInTheOrderAdded()
        {
            var store = new SessionStore();
            var sessions = new[] { Add(store, host: "a"), Add(store, host: "b"), Add(store, host: "c") };

            var all = store.All();
            Assert.Equal(sessions, all);
            all[0] = all[2];
            store.Remove(sessions[1]);
            Assert.Equal(new[] { sessions[0], sessions[2] }, store.All());
        }

        [Fact]
        public void MostRecentOpenSkipsBrokenAndClosedSessions()
        {
            var store = new SessionStore();
            Assert.Null(store.MostRecentOpen());

            var older = Add(store);
            var newer = Add(store);
            var dropped = new ScriptedConnection();
            var broken = Add(store, dropped);
            var closed = Add(store);
            dropped.Connected = false;
            closed.Close();

            Assert.Equal(SentinelSessionState.Broken, broken.State);
            Assert.Equal(SentinelSessionState.Closed, closed.State);
            Assert.Same(newer, store.MostRecentOpen());

            store.Remove(newer);
            Assert.Same(older, store.MostRecentOpen());
            older.Close();
            Assert.Null(store.MostRecentOpen());
        }

        [Fact]
        public void RemoveClosesTheConnectionOnceAndDropsTheSession()
        {
            var store = new SessionStore();
            var connection = new ScriptedConnection();
            var session = Add(store, connection);
            var other = Add(store);

            store.Remove(session);
            store.Remove(session);

            Assert.Equal(1, connection.DisposeCount);
            Assert.Equal(SentinelSessionState.Closed, session.State);
            Assert.Null(session.Connection);
            Assert.Equal(new[] { other }, store.All());
            Assert.Equal(SentinelSessionState.Open, other.State);
        }

        [Fact]
        public void CloseAllClosesEveryConnection()
        {
            var store = new SessionStore();
            var connections = Enumerable.Range(0, 3).Select(i => new ScriptedConnection("c" + i)).ToList();
            var sessions = connections.Select(c => Add(store, c)).ToList();

            store.CloseAll();

            Assert.Empty(store.All());
            Assert.All(connections, c => Assert.Equal(1, c.DisposeCount));
            Assert.All(sessions, s => Assert.Equal(SentinelSessionState.Closed, s.State));
            Assert.Null(store.MostRecentOpen());
        }

        [Fact]
        public async Task AddsFromManyThreadsEachGetTheirOwnId()
        {
            const int Threads = 8;
            const int Each = 5000;
            var store = new SessionStore();
            using var start = new Barrier(Threads + 1);
            var reading = true;
            var adders = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    return Enumerable.Range(0, Each).Select(i => Add(store).Id).ToList();
                },
                TaskCreationOptions.LongRunning)).ToList();
            var reader = Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    var seen = 0;
                    while (Volatile.Read(ref reading))
                    {
                        seen = Math.Max(seen, store.All().Length);
                        store.MostRecentOpen();
                    }

                    return seen;
                },
                TaskCreationOptions.LongRunning);

            var ids = (await Task.WhenAll(adders).WaitAsync(HangCeiling)).SelectMany(i => i).ToList();
            Volatile.Write(ref reading, false);
            await reader.WaitAsync(HangCeiling);

            Assert.Equal(Enumerable.Range(1, Threads * Each), ids.OrderBy(i => i));
            Assert.Equal(Enumerable.Range(1, Threads * Each), store.All().Select(s => s.Id).OrderBy(i => i));
            Assert.Equal(Threads * Each, store.MostRecentOpen()!.Id);
        }

        [Fact]
        public void EachRunspaceHasItsOwnStoreAndClosingTheRunspaceClosesItsSessions()
        {
            var saved = Runspace.DefaultRunspace;
            using var first = RunspaceFactory.CreateRunspace(InitialSessionState.Create());
            using var second = RunspaceFactory.CreateRunspace(InitialSessionState.Create());
            first.Open();
            second.Open();
            try
            {
                Runspace.DefaultRunspace = first;
                var firstStore = SessionStore.Current;
                Assert.Same(firstStore, SessionStore.Current);
                var firstConnection = new ScriptedConnection("first");
                var inFirst = Add(firstStore, firstConnection);

                Runspace.DefaultRunspace = second;
                var secondStore = SessionStore.Current;
                Assert.NotSame(firstStore, secondStore);
                var secondConnection = new ScriptedConnection("second");
                var inSecond = Add(secondStore, secondConnection);
                Assert.Equal((1, 1), (inFirst.Id, inSecond.Id));
                Assert.Empty(secondStore.All().Intersect(firstStore.All()));

                first.Close();

                Assert.Equal(1, firstConnection.DisposeCount);
                Assert.Empty(firstStore.All());
                Assert.Equal(0, secondConnection.DisposeCount);
                Assert.Equal(new[] { inSecond }, secondStore.All());
            }
            finally
            {
                Runspace.DefaultRunspace = saved;
            }
        }
    }
}
