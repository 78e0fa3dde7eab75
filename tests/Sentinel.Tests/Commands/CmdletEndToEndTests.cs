using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Text;
using Sentinel.Audit;
using Sentinel.Commands;
using Sentinel.Containers;
using Sentinel.Errors;
using Sentinel.Inventory;
using Sentinel.Keys;
using Sentinel.Module;
using Sentinel.Privileges;
using Sentinel.Results;
using Sentinel.Serialization;
using Sentinel.Services;
using Sentinel.Tests.Connections;
using Sentinel.Tests.Fakes;
using Sentinel.Tests.HostKeys;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Commands
{
    /// <summary>
    /// The tests that hand cmdlets the scripted transport through <see cref="SshAdapterLoader.Override"/>, a
    /// process-wide seam (as are the environment variables they set): they run one at a time, after the
    /// parallel ones, so no other test's cmdlet ever meets the fake.
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class ScriptedTransportCollection
    {
        public const string Name = "Cmdlets over the scripted transport";
    }

    /// <summary>
    /// One cmdlet per family run in-process, end to end, against the scripted transport: hosts named with
    /// -ComputerName (or the inventory) are connected to through it, and what comes out is asserted on as a
    /// runbook would see it: objects, and errors with their ids and targets. Every file the connect path
    /// reads (ssh_config, known_hosts, the inventory, the audit log) is a temporary one.
    /// </summary>
    [Collection(ScriptedTransportCollection.Name)]
    public sealed class CmdletEndToEndTests : IDisposable
    {
        private static readonly Type[] Cmdlets = typeof(SentinelCmdlet).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<CmdletAttribute>() != null)
            .ToArray();

        private readonly string _folder = Path.Combine(Path.GetTempPath(), "sentinel-e2e-" + Guid.NewGuid().ToString("N"));
        private readonly ScriptedTransport _transport = new ScriptedTransport { HostKey = new HostKeyOffer("ssh-ed25519", TestKeys.Bytes(TestKeys.Ed25519)) };
        private readonly string? _inventoryBefore = Environment.GetEnvironmentVariable(ServerInventory.EnvironmentVariable);

        public CmdletEndToEndTests()
        {
            Directory.CreateDirectory(_folder);
            File.WriteAllText(ConfigFile, string.Join("\n",
                "Host web01", "  HostName 192.0.2.11",
                "Host web02", "  HostName 192.0.2.12",
                "Host web03", "  HostName 192.0.2.13",
                "Host *", "  Port 22", "  IdentityFile " + LoginKey, "  ServerAliveInterval 0", string.Empty));
            File.WriteAllText(LoginKey, "scripted");
            _transport.AddKey(LoginKey);
            Environment.SetEnvironmentVariable(ServerInventory.EnvironmentVariable, InventoryFile);
            SshAdapterLoader.Override = _transport;
        }

        public void Dispose()
        {
            SshAdapterLoader.Override = null;
            AuditLog.Flush(TimeSpan.FromSeconds(30)); // the writer thread may still be appending to the temporary folder
            Environment.SetEnvironmentVariable(ServerInventory.EnvironmentVariable, _inventoryBefore);
            Directory.Delete(_folder, recursive: true);
        }

        private string ConfigFile => Path.Combine(_folder, "ssh_config");

        private string KnownHostsFile => Path.Combine(_folder, "known_hosts");

        private string LoginKey => Path.Combine(_folder, "id_login");

        private string InventoryFile => Path.Combine(_folder, "servers.json");

        private string AuditFile => Path.Combine(_folder, "audit.jsonl");

        /// <summary>What every invocation is given to connect: the temporary ssh_config and known_hosts, and a login.</summary>
        private Hashtable Login() => new Hashtable
        {
            ["ConfigFile"] = ConfigFile,
            ["KnownHostsFile"] = KnownHostsFile,
            ["Credential"] = new PSCredential("ops", ConnectionPlannerTests.Secret("s3cret")),
        };

        /// <summary>
        /// Runs <paramref name="script"/> in a fresh runspace holding the module's cmdlets, with $login splattable
        /// and the audit log in the temporary folder. The runspace is closed after (disposing the PowerShell
        /// alone leaves it open), which closes the sessions it holds.
        /// </summary>
        private (Collection<PSObject> Output, List<ErrorRecord> Errors) Run(string script)
        {
            var state = InitialSessionState.CreateDefault2();
            foreach (var type in Cmdlets)
            {
                var attribute = type.GetCustomAttribute<CmdletAttribute>()!;
                state.Commands.Add(new SessionStateCmdletEntry($"{attribute.VerbName}-{attribute.NounName}", type, null));
            }

            state.Variables.Add(new SessionStateVariableEntry(AuditLog.PreferenceVariable, AuditFile, string.Empty));
            state.Variables.Add(new SessionStateVariableEntry("login", Login(), string.Empty));
            state.Variables.Add(new SessionStateVariableEntry("folder", _folder, string.Empty));
            using var runspace = RunspaceFactory.CreateRunspace(state);
            runspace.Open();
            using var shell = PowerShell.Create();
            shell.Runspace = runspace;
            shell.AddScript(script);
            var output = shell.Invoke();
            return (output, shell.Streams.Error.ToList());
        }

        private static T[] Objects<T>(IEnumerable<PSObject> output) => output.Select(o => o.BaseObject).OfType<T>().ToArray();

        private static void AssertError(ErrorRecord error, string errorId, string cmdlet, object target)
        {
            Assert.Equal($"{errorId},Sentinel.Commands.{cmdlet}Command", error.FullyQualifiedErrorId);
            Assert.Equal(target, error.TargetObject);
        }

        private List<Dictionary<string, object?>> AuditRecords()
        {
            Assert.True(AuditLog.Flush(TimeSpan.FromSeconds(30)));
            return File.Exists(AuditFile)
                ? File.ReadAllLines(AuditFile).Select(line => (Dictionary<string, object?>)Json.Parse(line)!).ToList()
                : new List<Dictionary<string, object?>>();
        }

        /// <summary>Connecting to <paramref name="host"/> succeeds, each time with a new connection (they are listed in the order handed out) whose commands <paramref name="answer"/> answers.</summary>
        private List<ScriptedConnection> Host(string host, Func<string, bool, ScriptedProcess> answer)
        {
            var connections = new List<ScriptedConnection>();
            _transport.On(host, (request, token) =>
            {
                var connection = new ScriptedConnection(host);
                connection.OnStart = line =>
                {
                    var (command, sudo) = RunnerLine.Unwrap(line);
                    return answer(command, sudo);
                };
                lock (connections)
                {
                    connections.Add(connection);
                }

                return System.Threading.Tasks.Task.FromResult<ISshConnection>(connection);
            });
            return connections;
        }

        [Fact]
        public void InvokeRunsOnEachNamedHostAndAHostThatRefusesIsAnErrorOfItsOwn()
        {
            var web01 = Host("web01", (command, sudo) => new ScriptedProcess(command == "uptime" ? " 10:00 up 3 days\n" : string.Empty));
            var web02 = Host("web02", (command, sudo) => new ScriptedProcess(command == "uptime" ? " 10:00 up 9 days\n" : string.Empty));
            _transport.Fail("web03", ConnectionErrors.AuthenticationFailed("web03", "ops", "password"));

            var (output, errors) = Run("Invoke-SentinelCommand -ComputerName web01, web02, web03 -Command uptime @login");

            var results = Objects<CommandResult>(output).OrderBy(r => r.ComputerName).ToArray();
            Assert.Equal(new[] { "web01", "web02" }, results.Select(r => r.ComputerName));
            Assert.Equal(new[] { " 10:00 up 3 days\n", " 10:00 up 9 days\n" }, results.Select(r => r.Output));
            Assert.All(results, r => Assert.Equal(0, r.ExitCode));
            AssertError(Assert.Single(errors), ErrorIds.AuthenticationFailed, "InvokeSentinelCommand", "web03");

            // Each host got the login asked for, was dialled at its ssh_config address, and its connection, opened for this cmdlet, is closed.
            Assert.All(_transport.Requests, r => Assert.Equal(("ops", "s3cret", 22), (r.UserName, r.Password, r.Port)));
            Assert.All(_transport.Requests, r => Assert.Equal(new[] { LoginKey }, r.KeyPaths));
            Assert.Equal("192.0.2.11", _transport.RequestsFor("web01").Single().Address);
            Assert.Equal(new[] { "uptime" }, web01.Single().Commands.Select(c => RunnerLine.Unwrap(c).Command));
            Assert.Equal((1, 1), (web01.Single().DisposeCount, web02.Single().DisposeCount));
            Assert.Contains(TestKeys.Ed25519, File.ReadAllText(KnownHostsFile));

            var records = AuditRecords();
            Assert.Equal(new[] { "web01", "web02" }, records.Select(r => (string)r["computerName"]!).OrderBy(n => n));
            Assert.All(records, r => Assert.Equal(("uptime", "completed"), ((string)r["command"]!, (string)r["outcome"]!)));
        }

        [Fact]
        public void AConnectedSessionIsTheDefaultHostAndStaysOpenUntilItsRunspaceCloses()
        {
            var web01 = Host("web01", (command, sudo) => new ScriptedProcess(command == "hostname" ? "web01\n" : string.Empty));

            var (output, errors) = Run("$s = Connect-SentinelServer -ComputerName web01 @login; Invoke-SentinelCommand -Command hostname; $s.State");

            Assert.Empty(errors);
            var result = Objects<CommandResult>(output).Single();
            Assert.Equal(("web01", "web01\n"), (result.ComputerName, result.Output));
            Assert.Equal(SentinelSessionState.Open, Objects<SentinelSessionState>(output).Single());
            Assert.Equal(1, web01.Single().DisposeCount); // not by Invoke (the state said Open after it), by the runspace's closing
        }

        [Fact]
        public void InvokeOnInventoryNamesReportsAnUnknownNameAndGoesOn()
        {
            ServerInventory.Save(InventoryFile, new[] { new ServerEntry("web01", "web01") { Tags = new[] { "web" } }, new ServerEntry("web02", "web02") { Tags = new[] { "web" } } });
            Host("web01", (command, sudo) => new ScriptedProcess("a\n"));
            Host("web02", (command, sudo) => new ScriptedProcess("b\n"));

            var (byName, nameErrors) = Run("Invoke-SentinelCommand -ServerName web01, nosuch -Command 'echo a' @login");
            var (byTag, tagErrors) = Run("Get-SentinelServer -Tag web | Invoke-SentinelCommand -Command 'echo ab' @login");

            Assert.Equal("web01", Objects<CommandResult>(byName).Single().ComputerName);
            AssertError(Assert.Single(nameErrors), ErrorIds.ServerNotFound, "InvokeSentinelCommand", "nosuch");
            Assert.Empty(tagErrors);
            Assert.Equal(new[] { "web01", "web02" }, Objects<CommandResult>(byTag).Select(r => r.ComputerName).OrderBy(n => n));
        }

        [Fact]
        public void GetServiceDetectsTheManagerOnceAndReportsEachService()
        {
            var web01 = Host("web01", (command, sudo) =>
                command == ServiceCommands.DetectManager ? new ScriptedProcess(exitCode: ServiceCommands.SystemdExit)
                : command.EndsWith("-- 'nginx'", StringComparison.Ordinal) ? new ScriptedProcess(Fixtures.Read("systemctl-show.nginx.captured.txt"))
                : command.EndsWith("-- 'nosuch'", StringComparison.Ordinal) ? new ScriptedProcess(Fixtures.Read("systemctl-show.not-found.captured.txt"))
                : throw new InvalidOperationException("unexpected: " + command));

            var (output, errors) = Run("Get-SentinelService -ComputerName web01 -Name nginx, nosuch, 'bad;name' @login");

            var statuses = Objects<ServiceStatus>(output);
            Assert.Equal(new[] { ("nginx", ServiceState.Running), ("nosuch", ServiceState.NotFound) }, statuses.Select(s => (s.Name, s.State)));
            Assert.All(statuses, s => Assert.Equal(("web01", ServiceManager.Systemd), (s.ComputerName, s.Manager)));
            AssertError(Assert.Single(errors), ErrorIds.InvalidServiceName, "GetSentinelService", "bad;name");
            Assert.Single(web01.Single().Commands, c => RunnerLine.Unwrap(c).Command == ServiceCommands.DetectManager);
            Assert.DoesNotContain(web01.Single().Commands, c => c.Contains("bad;name", StringComparison.Ordinal));
        }

        [Fact]
        public void GetContainerListsWhatMatchesAndANameNotThereIsAnErrorForTheHost()
        {
            Host("web01", (command, sudo) => command == DockerOutput.PsCommand
                ? new ScriptedProcess(Fixtures.Read("docker-ps.engine-cli.captured.jsonl"))
                : throw new InvalidOperationException("unexpected: " + command));
            Host("web02", (command, sudo) => new ScriptedProcess(stderr: "permission denied while trying to connect to the Docker daemon socket\n", exitCode: 1));

            var (output, errors) = Run("Get-SentinelContainer -ComputerName web01, web02 -Name tick*, ghost @login");

            var container = Objects<ContainerStatus>(output).Single();
            Assert.Equal(("web01", "ticker", true), (container.ComputerName, container.Name, container.Running));
            Assert.Equal(2, errors.Count);
            AssertError(errors.Single(e => e.FullyQualifiedErrorId.StartsWith(ErrorIds.ContainerNotFound + ",", StringComparison.Ordinal)), ErrorIds.ContainerNotFound, "GetSentinelContainer", "web01");
            AssertError(errors.Single(e => e.FullyQualifiedErrorId.StartsWith(ErrorIds.ContainerCommandFailed + ",", StringComparison.Ordinal)), ErrorIds.ContainerCommandFailed, "GetSentinelContainer", "web02");
        }

        [Fact]
        public void TestPrivilegeJudgesEachActionFromOneSudoListingNeverUnderSudo()
        {
            var web01 = Host("web01", (command, sudo) =>
                command == PrivilegeChecker.ListCommand ? new ScriptedProcess("Matching Defaults entries for ops on web01:\n    env_reset\n\nUser ops may run the following commands on web01:\n    (root) NOPASSWD: /usr/sbin/service nginx restart\n")
                : command == PrivilegeChecker.GroupsCommand ? new ScriptedProcess("ops docker\n")
                : throw new InvalidOperationException("unexpected: " + command));

            var (output, errors) = Run("Test-SentinelPrivilege -ComputerName web01 -Service nginx -Manager SysV -Container @login");

            Assert.Empty(errors);
            var results = Objects<PrivilegeCheckResult>(output);
            Assert.Equal(
                new[] { SudoAccess.NotNeeded, SudoAccess.NotAllowed, SudoAccess.NotAllowed, SudoAccess.NoPassword, SudoAccess.NotAllowed, SudoAccess.NoPassword },
                results.Select(r => r.Access));
            Assert.Equal(PrivilegeAction.Docker, results.Last().Action);
            Assert.Equal(new[] { PrivilegeChecker.ListCommand, PrivilegeChecker.GroupsCommand }, web01.Single().Commands.Select(c => RunnerLine.Unwrap(c).Command));
        }

        [Fact]
        public void InstallKeyAppendsTheKeyThenProvesItWithAFreshConnectionOfferingOnlyThatKey()
        {
            var publicKey = Path.Combine(_folder, "id_new.pub");
            File.WriteAllText(publicKey, "ssh-ed25519 " + TestKeys.Ed25519 + " new@test\n");
            File.WriteAllText(Path.Combine(_folder, "id_new"), "scripted");
            _transport.AddKey(Path.Combine(_folder, "id_new"));
            var appended = new List<string>();
            var login = new ScriptedConnection("web01")
            {
                OnStart = line => RunnerLine.Unwrap(line).Command == KeyInstaller.ReadCommand ? new ScriptedProcess(string.Empty)
                    : RunnerLine.Unwrap(line).Command == KeyInstaller.AppendCommand ? Appending(appended)
                    : throw new InvalidOperationException("unexpected: " + line),
            };
            var proof = new ScriptedConnection("web01");
            var connections = new Queue<ScriptedConnection>(new[] { login, proof });
            _transport.On("web01", (request, token) => System.Threading.Tasks.Task.FromResult<ISshConnection>(connections.Dequeue()));

            var (output, errors) = Run("Install-SentinelKey -ComputerName web01 -PublicKeyFile \"$folder/id_new.pub\" @login");

            Assert.Empty(errors);
            var result = Objects<KeyInstallResult>(output).Single();
            Assert.Equal((KeyInstallStatus.Added, true, TestKeys.Ed25519Fingerprint, "new@test"), (result.Status, result.Verified, result.Fingerprint, result.Comment));
            Assert.Equal(new[] { "ssh-ed25519 " + TestKeys.Ed25519 + " new@test\n" }, appended);
            var requests = _transport.RequestsFor("web01");
            Assert.Equal(2, requests.Count);
            Assert.Equal("s3cret", requests[0].Password);
            Assert.Equal(new[] { LoginKey }, requests[0].KeyPaths);
            Assert.Null(requests[1].Password);
            Assert.Equal(new[] { Path.Combine(_folder, "id_new") }, requests[1].KeyPaths);
            Assert.Empty(proof.Commands);
            Assert.Equal((1, 1), (login.DisposeCount, proof.DisposeCount));
        }

        /// <summary>The append: a process that keeps what it is given on stdin once the installer closes it.</summary>
        private static ScriptedProcess Appending(List<string> appended)
        {
            var process = ScriptedProcess.HoldOpen();
            process.StandardInput.OnClose = () =>
            {
                appended.Add(process.StandardInput.Text);
                process.Exit(0);
            };
            return process;
        }

        [Fact]
        public void CopyPlacesTheFileOnOneHostAndAHostWithoutSftpIsAnErrorOfItsOwn()
        {
            var source = Path.Combine(_folder, "app.conf");
            File.WriteAllText(source, "new");
            var files = new MemoryHost();
            files.Directories.Add("/etc");
            files.Files["/etc/app.conf"] = Encoding.UTF8.GetBytes("old");
            var web01 = _transport.Accept("web01");
            web01.FileTransfer = files;
            web01.OnStart = files.Start;
            var web02 = _transport.Accept("web02");

            var (output, errors) = Run("Copy-SentinelItem -Path \"$folder/app.conf\" -Destination /etc/app.conf -ComputerName web01, web02 -Force @login");

            Assert.True(Objects<FileCopyResult>(output).Length == 1, string.Join("\n", errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
            var copied = Objects<FileCopyResult>(output).Single();
            Assert.Equal(("web01", FileCopyAction.Copied, "/etc/app.conf"), (copied.ComputerName, copied.Action, copied.Destination));
            Assert.Equal("new", files.Text("/etc/app.conf"));
            Assert.Equal(new[] { "/etc/app.conf" }, files.Files.Keys);
            AssertError(Assert.Single(errors), ErrorIds.FileCopyFailed, "CopySentinelItem", "web02");
            Assert.Equal((1, 1), (web01.DisposeCount, web02.DisposeCount));
        }

        [Fact]
        public void RepairStartsAStoppedServiceUnderSudoAfterItsConfigurationTestAndAuditsTheDecision()
        {
            var started = false;
            var sudoCommands = new List<string>();
            Host("web01", (command, sudo) =>
            {
                if (sudo)
                {
                    sudoCommands.Add(command);
                }

                if (command.EndsWith("service 'nginx' status", StringComparison.Ordinal))
                {
                    return new ScriptedProcess(exitCode: started ? 0 : 3);
                }

                started |= command == "/usr/sbin/service 'nginx' start";
                return new ScriptedProcess();
            });

            var (output, errors) = Run("Repair-SentinelService -ComputerName web01 -Name nginx -Manager SysV -SettleSeconds 0 @login");

            Assert.Empty(errors);
            var result = Objects<RemediationResult>(output).Single();
            Assert.Equal(("web01", "nginx", ServiceState.Stopped, RemediationAction.Started, ServiceState.Running), (result.ComputerName, result.Name, result.StateBefore, result.Action, result.StateAfter));
            Assert.True(sudoCommands.IndexOf("/usr/sbin/nginx -t") >= 0, "the configuration is tested under sudo");
            Assert.True(sudoCommands.IndexOf("/usr/sbin/nginx -t") < sudoCommands.IndexOf("/usr/sbin/service 'nginx' start"), "and before the start");
            Assert.True(File.Exists(Sentinel.Remediation.RestartBudget.PathBeside(InventoryFile)), "the restart budget is kept beside the (temporary) inventory");
            Assert.Contains(AuditRecords(), r => r.TryGetValue("action", out var action) && (string?)action == "Started");
        }
    }
}
