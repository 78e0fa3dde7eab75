using System;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using Sentinel.Commands;
using Sentinel.Results;
using Xunit;

namespace Sentinel.Tests.Commands
{
    /// <summary>The conventions every cmdlet keeps, checked on the assembly, and a few contracts run in-process.</summary>
    public sealed class CmdletContractTests
    {
        private static readonly Type[] Cmdlets = typeof(SentinelCmdlet).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<CmdletAttribute>() != null)
            .ToArray();

        public static TheoryData<Type> CmdletTypes()
        {
            var data = new TheoryData<Type>();
            foreach (var type in Cmdlets)
            {
                data.Add(type);
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(CmdletTypes))]
        public void IsSealedNamedVerbNounCommandAndDeclaresItsOutput(Type type)
        {
            var cmdlet = type.GetCustomAttribute<CmdletAttribute>()!;
            Assert.True(type.IsSealed);
            Assert.Equal(cmdlet.VerbName + cmdlet.NounName + "Command", type.Name);
            Assert.StartsWith("Sentinel", cmdlet.NounName);
            Assert.True(typeof(SentinelCmdlet).IsAssignableFrom(type), "every cmdlet gets the cancellable base");
            Assert.NotEmpty(type.GetCustomAttributes<OutputTypeAttribute>());
        }

        /// <summary>Every cmdlet that works on hosts; a new one belongs here and on <see cref="HostCmdlet"/>.</summary>
        public static TheoryData<string> HostCmdletNames() => new TheoryData<string>
        {
            "Invoke-SentinelCommand", "Test-SentinelConnection", "Copy-SentinelItem",
            "Get-SentinelService", "Start-SentinelService", "Stop-SentinelService", "Restart-SentinelService",
            "Get-SentinelServiceLog", "Test-SentinelServiceConfig", "Repair-SentinelService", "Watch-SentinelService",
            "Get-SentinelContainer", "Get-SentinelContainerLog", "Restart-SentinelContainer",
            "Install-SentinelKey", "Test-SentinelPrivilege",
        };

        private static readonly string[] TargetParameters =
        {
            "Session", "ComputerName", "ServerName", "Server", "Tag", "Port", "UserName", "Credential", "KeyFile", "CertificateFile",
            "KeyPassphrase", "ConnectTimeout", "HostKeyPolicy", "KnownHostsFile", "JumpHost", "JumpHostCredential", "ConfigFile",
            "KeyExchange", "Cipher", "ThrottleLimit", "Shard", "ShardCount",
        };

        private static CommandMetadata Metadata(string name) => new CommandMetadata(Cmdlets.Single(t =>
        {
            var attribute = t.GetCustomAttribute<CmdletAttribute>()!;
            return $"{attribute.VerbName}-{attribute.NounName}" == name;
        }));

        [Theory]
        [MemberData(nameof(HostCmdletNames))]
        public void EveryHostCmdletTakesTheSameTargetParameters(string name)
        {
            var parameters = Metadata(name).Parameters;
            foreach (var parameter in TargetParameters)
            {
                Assert.True(parameters.ContainsKey(parameter), $"{name} lacks -{parameter}");
            }

            Assert.Contains("Session", parameters["Session"].ParameterSets.Keys);
            Assert.Contains("ComputerName", parameters["ComputerName"].ParameterSets.Keys);
            Assert.Contains("ServerName", parameters["ServerName"].ParameterSets.Keys);
            Assert.True(parameters["Server"].ParameterSets["ServerName"].ValueFromPipeline, $"{name}: Get-SentinelServer output must pipe in");
            Assert.Contains("Tag", parameters["Tag"].ParameterSets.Keys);
            Assert.True(parameters["Session"].ParameterSets["Session"].ValueFromPipeline, $"{name}: sessions must pipe in");
            Assert.Contains("HostName", parameters["ComputerName"].Aliases);
            Assert.DoesNotContain("Session", parameters["Shard"].ParameterSets.Keys); // sessions are hosts already chosen
            Assert.Equal(new[] { "ComputerName", "ServerName", "Tag" }, parameters["ShardCount"].ParameterSets.Keys.OrderBy(k => k, StringComparer.Ordinal));
        }

        [Theory]
        [MemberData(nameof(HostCmdletNames))]
        public void NameIsTheServerOnlyWhereNothingElseIsNamed(string name)
        {
            var parameters = Metadata(name).Parameters;
            var nameIsTheServer = parameters["ServerName"].Aliases.Contains("Name");
            var namesAThing = parameters.ContainsKey("Name");
            Assert.True(nameIsTheServer != namesAThing, $"{name}: -Name must mean one thing");
            Assert.Equal(
                new[] { "Copy-SentinelItem", "Invoke-SentinelCommand", "Test-SentinelConnection", "Test-SentinelPrivilege", "Install-SentinelKey" }.Contains(name),
                nameIsTheServer);
        }

        [Fact]
        public void ConnectNamesInventoryServersAsTheHostCmdletsDo()
        {
            var parameters = Metadata("Connect-SentinelServer").Parameters;
            Assert.Contains("Name", parameters["ServerName"].Aliases);
            Assert.True(parameters["Server"].ParameterSets["ServerName"].ValueFromPipeline);
            Assert.Contains("Tag", parameters.Keys);
            Assert.Contains("Shard", parameters.Keys);
            Assert.Contains("ShardCount", parameters.Keys);
        }

        private static PowerShell NewShell()
        {
            var state = InitialSessionState.CreateDefault2();
            foreach (var type in Cmdlets)
            {
                var attribute = type.GetCustomAttribute<CmdletAttribute>()!;
                state.Commands.Add(new SessionStateCmdletEntry($"{attribute.VerbName}-{attribute.NounName}", type, null));
            }

            var shell = PowerShell.Create(state);
            return shell;
        }

        [Theory]
        [InlineData("Get-SentinelService")]
        [InlineData("Restart-SentinelService")]
        [InlineData("Test-SentinelServiceConfig")]
        [InlineData("Restart-SentinelContainer")]
        [InlineData("Get-SentinelContainerLog")]
        public void ServiceAndContainerCmdletsWithoutASessionAreATerminatingNoSessionError(string command)
        {
            using var shell = NewShell();
            shell.AddCommand(command).AddParameter("Name", "nginx");
            var error = Assert.ThrowsAny<RuntimeException>(() => shell.Invoke()).ErrorRecord;
            Assert.StartsWith("Sentinel.NoSession,", error.FullyQualifiedErrorId);
        }

        [Theory]
        [InlineData("Get-SentinelService", "Sentinel.InvalidServiceName")]
        [InlineData("Stop-SentinelService", "Sentinel.InvalidServiceName")]
        [InlineData("Restart-SentinelContainer", "Sentinel.InvalidContainerName")]
        public void AnInjectedNameIsRefusedBeforeAnySessionIsNeeded(string command, string errorId)
        {
            using var shell = NewShell();
            shell.AddCommand(command).AddParameter("Name", "nginx; touch /tmp/x");
            shell.Invoke();
            var error = Assert.Single(shell.Streams.Error);
            Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal("nginx; touch /tmp/x", error.TargetObject);
        }

        [Theory]
        [InlineData("nginx\n")]
        [InlineData("nginx\0")]
        [InlineData("'nginx'")]
        [InlineData("-nginx")]
        public void TestConnectionRefusesAServiceNameBeforeContactingAnyHost(string name)
        {
            using var shell = NewShell();
            // Port 1 on loopback: had anything been tried, the TCP step would have produced a result.
            shell.AddCommand("Test-SentinelConnection").AddParameter("ComputerName", "127.0.0.1").AddParameter("Port", 1).AddParameter("Service", new[] { "ssh", name });
            var error = Assert.ThrowsAny<RuntimeException>(() => shell.Invoke()).ErrorRecord;
            Assert.StartsWith("Sentinel.InvalidServiceName,", error.FullyQualifiedErrorId);
            Assert.Equal(name, error.TargetObject);
        }

        [Fact]
        public void ASentinelExceptionThatEscapesACmdletKeepsItsIdCategoryTargetAndAdvice()
        {
            var state = InitialSessionState.CreateDefault2();
            state.Commands.Add(new SessionStateCmdletEntry("Invoke-Escape", typeof(InvokeEscapeCommand), null));
            using var shell = PowerShell.Create(state);
            shell.AddCommand("Invoke-Escape");
            var error = Assert.ThrowsAny<RuntimeException>(() => shell.Invoke()).ErrorRecord;
            Assert.Equal("Sentinel.KeyFileUnreadable,Sentinel.Tests.Commands.InvokeEscapeCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ReadError, error.CategoryInfo.Category);
            Assert.Equal("web01", error.TargetObject);
            Assert.Equal("Check the file.", error.ErrorDetails.RecommendedAction);
        }

        [Theory]
        [InlineData(typeof(StartSentinelServiceCommand))]
        [InlineData(typeof(StopSentinelServiceCommand))]
        [InlineData(typeof(RestartSentinelServiceCommand))]
        [InlineData(typeof(RestartSentinelContainerCommand))]
        public void DestructiveCmdletsSupportWhatIfWithoutPromptingRunbooks(Type type)
        {
            var cmdlet = type.GetCustomAttribute<CmdletAttribute>()!;
            Assert.True(cmdlet.SupportsShouldProcess);
            Assert.Equal(ConfirmImpact.Medium, cmdlet.ConfirmImpact);
        }

        [Fact]
        public void InvokeWithoutASessionIsATerminatingNoSessionError()
        {
            using var shell = NewShell();
            shell.AddCommand("Invoke-SentinelCommand").AddParameter("Command", "true");
            var error = Assert.ThrowsAny<RuntimeException>(() => shell.Invoke()).ErrorRecord;
            Assert.Equal("Sentinel.NoSession,Sentinel.Commands.InvokeSentinelCommandCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        }

        [Fact]
        public void AnInvalidSshPortVariableIsAnInvalidArgument()
        {
            using var shell = NewShell();
            shell.AddScript("$env:SSH_PORT = 'twenty-two'; try { Connect-SentinelServer -ComputerName 127.0.0.1 } finally { $env:SSH_PORT = $null }");
            shell.Invoke();
            var error = Assert.Single(shell.Streams.Error);
            Assert.StartsWith("Sentinel.InvalidArgument,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal("127.0.0.1", error.TargetObject);
        }

        [Fact]
        public void AClosedPortIsANonTerminatingErrorWithTheHostAsTarget()
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();

            using var shell = NewShell();
            shell.AddScript($"$env:SSH_PASS = 'unused'; try {{ Connect-SentinelServer -ComputerName 127.0.0.1 -Port {port} -KnownHostsFile /dev/null }} finally {{ $env:SSH_PASS = $null }}");
            var output = shell.Invoke();
            Assert.Empty(output);
            var error = Assert.Single(shell.Streams.Error);
            Assert.StartsWith("Sentinel.ConnectionRefused,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
            Assert.Equal("127.0.0.1", error.TargetObject);
            Assert.Contains(port.ToString(), error.Exception.Message);
        }

        [Fact]
        public void SessionStateNamesAreStable()
            => Assert.Equal(new[] { "Open", "Broken", "Closed" }, Enum.GetNames(typeof(SentinelSessionState)));
    }

    /// <summary>A cmdlet that lets a SentinelException escape, as an unforeseen path would.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "Escape")]
    public sealed class InvokeEscapeCommand : PSCmdlet
    {
        protected override void ProcessRecord() => throw new Sentinel.Errors.SentinelException(
            Sentinel.Errors.ErrorIds.KeyFileUnreadable, ErrorCategory.ReadError, "web01", "The key file cannot be read.", "Check the file.");
    }
}
