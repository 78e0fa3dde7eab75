using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Inventory;
using Sentinel.Platform;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Xunit;

namespace Sentinel.Tests.Connections
{
    /// <summary>The precedence of connection settings, and what each jump host gets, without a server.</summary>
    public sealed class ConnectionPlannerTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "planner-" + Guid.NewGuid().ToString("N"));
        private readonly Dictionary<string, string> _environment = new Dictionary<string, string>();
        private readonly List<ServerEntry> _inventory = new List<ServerEntry>();
        private readonly List<string> _warnings = new List<string>();
        private string _config = string.Empty;

        public ConnectionPlannerTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        internal static SecureString Secret(string text)
        {
            var secret = new SecureString();
            foreach (var c in text)
            {
                secret.AppendChar(c);
            }

            return secret;
        }

        internal static string? Reveal(SecureString? secret) => secret == null ? null : Secrets.ToUnsecureString(secret);

        private ConnectionPlanner Planner(ConnectionParameters asked)
        {
            var path = Path.Combine(_folder, "config");
            File.WriteAllText(path, _config);
            return new ConnectionPlanner(
                new ScriptedTransport(),
                asked,
                SshConfig.Load(path),
                () => _inventory,
                resolvePath: p => p,
                environment: name => _environment.TryGetValue(name, out var value) ? value : null,
                warn: _warnings.Add);
        }

        private static ServerEntry Entry(string name, string computerName, int? port = null, string? user = null, string? key = null, string? jump = null, HostKeyPolicy? policy = null) =>
            new ServerEntry(name, computerName) { Port = port, UserName = user, KeyFile = key, JumpHost = jump, HostKeyPolicy = policy };

        [Fact]
        public void ExplicitParametersWinOverInventoryConfigAndEnvironment()
        {
            _config = "Host web01\n  Port 2201\n  User fromconfig\n  IdentityFile /keys/config\n  ConnectTimeout 7\n  StrictHostKeyChecking no\n";
            _environment["SSH_USER"] = "fromenv";
            _environment["SSH_PORT"] = "2203";
            var entry = Entry("web", "web01", port: 2202, user: "fromentry", key: "/keys/entry", policy: HostKeyPolicy.Ignore);

            var settings = Planner(new ConnectionParameters
            {
                Port = 2200,
                UserName = "explicit",
                CredentialUserName = "fromcredential",
                KeyFiles = new[] { "/keys/explicit" },
                ConnectTimeout = TimeSpan.FromSeconds(3),
                HostKeyPolicy = HostKeyPolicy.Strict,
            }).SettingsFor("web01", entry);

            Assert.Equal((2200, "explicit", 3.0, HostKeyPolicy.Strict), (settings.Port, settings.UserName, settings.ConnectTimeout.TotalSeconds, settings.HostKeyPolicy));
            Assert.Equal(new[] { "/keys/explicit" }, settings.KeyFiles);
            Assert.False(settings.UseDefaultKeys);
        }

        [Fact]
        public void TheInventoryWinsOverConfigWhichWinsOverTheEnvironmentThenTheDefaults()
        {
            _config = "Host web01\n  HostName 10.0.0.5\n  Port 2201\n  User fromconfig\n  IdentityFile /keys/config\n";
            _environment["SSH_USER"] = "fromenv";
            _environment["SSH_PORT"] = "2203";
            var planner = Planner(new ConnectionParameters());

            var fromEntry = planner.SettingsFor("web01", Entry("web", "web01", port: 2202, user: "fromentry", key: "/keys/entry"));
            Assert.Equal((2202, "fromentry", "10.0.0.5"), (fromEntry.Port, fromEntry.UserName, fromEntry.HostName));
            Assert.Equal(new[] { "/keys/entry" }, fromEntry.KeyFiles);

            var fromConfig = planner.SettingsFor("web01", null);
            Assert.Equal((2201, "fromconfig"), (fromConfig.Port, fromConfig.UserName));
            Assert.Equal(new[] { "/keys/config" }, fromConfig.KeyFiles);

            var fromEnvironment = planner.SettingsFor("db01", null);
            Assert.Equal((2203, "fromenv", "db01"), (fromEnvironment.Port, fromEnvironment.UserName, fromEnvironment.HostName));
            Assert.True(fromEnvironment.UseDefaultKeys);

            _environment.Clear();
            var defaults = Planner(new ConnectionParameters()).SettingsFor("db01", null);
            Assert.Equal((ConnectionSettings.DefaultPort, ConnectionSettings.DefaultUserName, ConnectionSettings.DefaultConnectTimeout, HostKeyPolicy.AcceptNew), (defaults.Port, defaults.UserName, defaults.ConnectTimeout, defaults.HostKeyPolicy));
            Assert.Equal(ConnectionSettings.DefaultComputerName, Planner(new ConnectionParameters()).DefaultComputerName);
            _environment["SSH_HOST"] = "fromenv.example";
            Assert.Equal("fromenv.example", Planner(new ConnectionParameters()).DefaultComputerName);
        }

        [Fact]
        public void SshPassStandsInOnlyWithoutACredentialOrAKey()
        {
            _environment["SSH_PASS"] = "envpass";
            Assert.Equal("envpass", Reveal(Planner(new ConnectionParameters()).SettingsFor("web01", null).Password));
            Assert.Equal("given", Reveal(Planner(new ConnectionParameters { Password = Secret("given") }).SettingsFor("web01", null).Password));
            Assert.Null(Planner(new ConnectionParameters { KeyFiles = new[] { "/k" } }).SettingsFor("web01", null).Password);
            Assert.Null(Planner(new ConnectionParameters()).SettingsFor("web01", Entry("web", "web01", key: "/k")).Password);
        }

        [Fact]
        public void ABadSshPortIsAnErrorForThatHost()
        {
            _environment["SSH_PORT"] = "22x";
            var error = Assert.Throws<SentinelException>(() => Planner(new ConnectionParameters()).SettingsFor("web01", null));
            Assert.Equal((ErrorIds.InvalidArgument, "web01"), (error.ErrorId, error.ComputerName));
        }

        [Fact]
        public void AnUnknownExplicitAlgorithmStopsThePlannerAndConfigAlgorithmsWarn()
        {
            var error = Assert.Throws<SentinelException>(() => Planner(new ConnectionParameters { KeyExchanges = new[] { "no-such-kex" } }));
            Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);

            _config = "Host web01\n  KexAlgorithms curve25519-sha256,no-such-kex\n";
            Assert.Equal(new[] { "curve25519-sha256" }, Planner(new ConnectionParameters()).SettingsFor("web01", null).KeyExchanges);
            Assert.Contains(_warnings, w => w.Contains("no-such-kex"));
        }

        [Fact]
        public void AJumpHostNeverGetsTheTargetsPasswordKeysOrUser()
        {
            _environment["SSH_PASS"] = "envpass";
            var target = Planner(new ConnectionParameters
            {
                UserName = "targetuser",
                Password = Secret("targetpass"),
                KeyFiles = new[] { "/keys/target" },
                JumpHost = "bastion",
            }).SettingsFor("web01", null);
            var hop = Assert.Single(target.JumpHosts);

            Assert.Null(hop.Password);
            Assert.Empty(hop.KeyFiles);
            Assert.True(hop.UseDefaultKeys, "a hop with no key of its own tries the default identities, as ssh does");
            Assert.Equal(ConnectionSettings.DefaultUserName, hop.UserName);
            Assert.Equal(ConnectionPlanner.JumpHostDefaultPort, hop.Port);
            Assert.True(hop.IsJumpHost);

            var withoutCredential = Planner(new ConnectionParameters { JumpHost = "bastion" }).SettingsFor("web01", null);
            Assert.Equal("envpass", Reveal(withoutCredential.Password));
            Assert.Null(withoutCredential.JumpHosts[0].Password);
        }

        [Fact]
        public void AJumpHostUsesItsOwnConfigEntry()
        {
            _config = "Host bastion\n  HostName 10.0.0.1\n  User hopuser\n  Port 2222\n  IdentityFile /keys/hop\n  StrictHostKeyChecking yes\nHost web01\n  ProxyJump bastion\n  IdentityFile /keys/target\n";
            var hop = Planner(new ConnectionParameters()).SettingsFor("web01", null).JumpHosts.Single();
            Assert.Equal(("bastion", "10.0.0.1", 2222, "hopuser", HostKeyPolicy.Strict), (hop.ComputerName, hop.HostName, hop.Port, hop.UserName, hop.HostKeyPolicy));
            Assert.Equal(new[] { "/keys/hop" }, hop.KeyFiles);
            Assert.False(hop.UseDefaultKeys);
        }

        [Fact]
        public void AJumpHostNamedLikeAnInventoryServerUsesThatEntry()
        {
            _inventory.Add(Entry("gate", "10.0.0.9", port: 2022, user: "gateuser", key: "/keys/gate", policy: HostKeyPolicy.Strict));
            var target = Planner(new ConnectionParameters { KeyFiles = new[] { "/keys/target" } }).SettingsFor("web01", Entry("web", "web01", jump: "GATE"));
            var hop = target.JumpHosts.Single();
            Assert.Equal(("GATE", "10.0.0.9", 2022, "gateuser", HostKeyPolicy.Strict), (hop.ComputerName, hop.HostName, hop.Port, hop.UserName, hop.HostKeyPolicy));
            Assert.Equal(new[] { "/keys/gate" }, hop.KeyFiles);
        }

        [Fact]
        public void JumpHostCredentialIsTheHopsPasswordAndUserUnlessTheChainNamesAUser()
        {
            _inventory.Add(Entry("gate", "10.0.0.9", user: "gateuser"));
            var target = Planner(new ConnectionParameters
            {
                Password = Secret("targetpass"),
                JumpHost = "ops@first,gate",
                JumpHostUserName = "hops",
                JumpHostPassword = Secret("hoppass"),
            }).SettingsFor("web01", null);

            Assert.Equal(new[] { "ops", "hops" }, target.JumpHosts.Select(h => h.UserName));
            Assert.All(target.JumpHosts, hop => Assert.Equal("hoppass", Reveal(hop.Password)));
            Assert.Equal("targetpass", Reveal(target.Password));
        }

        [Fact]
        public void ExplicitHostKeySettingsApplyToEveryHop()
        {
            _config = "Host bastion\n  StrictHostKeyChecking no\n  UserKnownHostsFile /hop/known\n";
            var target = Planner(new ConnectionParameters { JumpHost = "bastion", HostKeyPolicy = HostKeyPolicy.Strict, KnownHostsFile = "/given/known" }).SettingsFor("web01", null);
            Assert.Equal((HostKeyPolicy.Strict, "/given/known"), (target.JumpHosts[0].HostKeyPolicy, target.JumpHosts[0].KnownHostsFile));

            var fromConfig = Planner(new ConnectionParameters { JumpHost = "bastion" }).SettingsFor("web01", null);
            Assert.Equal((HostKeyPolicy.Ignore, "/hop/known"), (fromConfig.JumpHosts[0].HostKeyPolicy, fromConfig.JumpHosts[0].KnownHostsFile));
        }
    }
}
