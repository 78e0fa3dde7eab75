using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Hosts;
using Sentinel.Inventory;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Xunit;

namespace Sentinel.Tests.Hosts
{
    /// <summary>How sessions, names, inventory names and tags become hosts, and that a bad name is an error for that name alone.</summary>
    public sealed class TargetResolverTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "resolver-" + Guid.NewGuid().ToString("N"));
        private readonly List<ServerEntry> _inventory = new List<ServerEntry>
        {
            new ServerEntry("web01", "192.0.2.11") { Tags = new[] { "web", "eu" }, Port = 2201 },
            new ServerEntry("web02", "192.0.2.12") { Tags = new[] { "web" } },
            new ServerEntry("db01", "192.0.2.21") { Tags = new[] { "db" }, UserName = "postgres" },
            new ServerEntry("broken01", "192.0.2.31") { Tags = new[] { "web" }, JumpHost = "bastion:notaport" },
        };

        private readonly List<(SentinelException Error, string Target)> _errors = new List<(SentinelException, string)>();
        private readonly Dictionary<string, string> _environment = new Dictionary<string, string>();
        private int _plannersMade;
        private int _inventoryLoads;

        public TargetResolverTests()
        {
            Directory.CreateDirectory(_folder);
            File.WriteAllText(Path.Combine(_folder, "config"), "Host alias\n  HostName 192.0.2.99\n  Port 2222\n");
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private TargetResolver Resolver() => new TargetResolver(
            () =>
            {
                _plannersMade++;
                return new ConnectionPlanner(
                    new ScriptedTransport(),
                    new ConnectionParameters { UserName = null, KnownHostsFile = Path.Combine(_folder, "known_hosts") },
                    SshConfig.Load(Path.Combine(_folder, "config")),
                    () => _inventory,
                    resolvePath: p => p,
                    environment: name => _environment.TryGetValue(name, out var value) ? value : null);
            },
            () =>
            {
                _inventoryLoads++;
                return _inventory;
            },
            (error, target) => _errors.Add((error, target)));

        private static SentinelSession Session(SessionStore store, string host) =>
            store.Add(new ConnectionSettings(host, host, 22, "ops") { KeepAlive = new KeepAliveSettings(TimeSpan.Zero, 3) }, new ScriptedConnection(host), "SHA256:test", "ssh-ed25519", null, null);

        [Fact]
        public void SessionsGivenAreEachTakenOnceInTheOrderGiven()
        {
            var store = new SessionStore();
            var a = Session(store, "a");
            var b = Session(store, "b");

            var targets = TargetResolver.Sessions(new[] { b, a, b }, store);

            Assert.Equal(new[] { b, a }, targets.Select(t => t.Session));
            Assert.All(targets, t => Assert.Null(t.Entry));
            Assert.Equal(("b", 22), (targets[0].ComputerName, targets[0].Port));
        }

        [Fact]
        public void WithoutSessionsTheNewestOpenOneIsTaken()
        {
            var store = new SessionStore();
            var older = Session(store, "older");
            var newer = Session(store, "newer");
            Assert.Same(newer, TargetResolver.Sessions(Array.Empty<SentinelSession>(), store).Single().Session);

            newer.Close();
            Assert.Same(older, TargetResolver.Sessions(Array.Empty<SentinelSession>(), store).Single().Session);
        }

        [Fact]
        public void WithoutAnyOpenSessionItIsNoSession()
        {
            var store = new SessionStore();
            Session(store, "closed").Close();
            var error = Assert.Throws<SentinelException>(() => TargetResolver.Sessions(Array.Empty<SentinelSession>(), store));
            Assert.Equal(ErrorIds.NoSession, error.ErrorId);
        }

        [Fact]
        public void NamesAreConnectedToWithTheirSshConfigAndNoInventoryIsRead()
        {
            var targets = Resolver().ComputerNames(new[] { "alias", "192.0.2.50" });

            Assert.Equal(new[] { "alias", "192.0.2.50" }, targets.Select(t => t.ComputerName));
            Assert.Equal(("192.0.2.99", 2222), (targets[0].Settings.HostName, targets[0].Port));
            Assert.All(targets, t => Assert.Null(t.Session));
            Assert.All(targets, t => Assert.Null(t.Entry));
            Assert.Empty(_errors);
            Assert.Equal(0, _inventoryLoads);
        }

        [Fact]
        public void NoNameMeansSshHostElseLocalhost()
        {
            Assert.Equal(ConnectionSettings.DefaultComputerName, Resolver().ComputerNames(null).Single().ComputerName);
            _environment["SSH_HOST"] = "alias";
            Assert.Equal("alias", Resolver().ComputerNames(null).Single().ComputerName);
        }

        [Fact]
        public void AnUnknownServerNameIsOneErrorWithTheNameAsTargetAndTheOthersGoOn()
        {
            var targets = Resolver().ServerNames(new[] { "web01", "nosuch", "db*", "WEB01" });

            Assert.Equal(new[] { "web01", "db01" }, targets.Select(t => t.Entry!.Name));
            Assert.Equal(("192.0.2.11", 2201), (targets[0].ComputerName, targets[0].Port));
            Assert.Equal("postgres", targets[1].Settings.UserName);
            var (error, target) = Assert.Single(_errors);
            Assert.Equal((ErrorIds.ServerNotFound, "nosuch"), (error.ErrorId, target));
            Assert.Contains("'nosuch'", error.Message);
        }

        [Fact]
        public void ATagWithoutAMatchIsOneErrorNamingTheTags()
        {
            var targets = Resolver().Tagged(new[] { "nosuch", "neither" });

            Assert.Empty(targets);
            var (error, target) = Assert.Single(_errors);
            Assert.Equal((ErrorIds.ServerNotFound, "nosuch,neither"), (error.ErrorId, target));
            Assert.Equal(0, _plannersMade);
        }

        [Fact]
        public void AHostWhoseSettingsThrowIsAnErrorForThatNameOnly()
        {
            var targets = Resolver().Tagged(new[] { "web" });

            Assert.Equal(new[] { "web01", "web02" }, targets.Select(t => t.Entry!.Name));
            var (error, target) = Assert.Single(_errors);
            Assert.Equal((ErrorIds.JumpHostInvalid, "192.0.2.31"), (error.ErrorId, target));
        }

        [Fact]
        public void ABadEnvironmentPortFailsOnlyTheHostsThatNeedIt()
        {
            _environment["SSH_PORT"] = "twenty-two";
            var targets = Resolver().ComputerNames(new[] { "192.0.2.50", "alias" });

            Assert.Equal(("alias", 2222), (targets.Single().ComputerName, targets.Single().Port));
            var (error, target) = Assert.Single(_errors);
            Assert.Equal((ErrorIds.InvalidArgument, "192.0.2.50"), (error.ErrorId, target));
            Assert.Equal(1, _plannersMade);
        }
    }
}
