using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Results;
using Sentinel.Services;
using Sentinel.Tests.Fakes;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Services
{
    /// <summary>The controller's decisions against a scripted host: what runs, in what order, and what it concludes.</summary>
    public sealed class ServiceControllerTests
    {
        [Fact]
        public async Task DetectsTheManagerOncePerSession()
        {
            var host = new ScriptedServiceHost(command => (ServiceCommands.SystemdExit, string.Empty, string.Empty));
            Assert.Equal(ServiceManager.Systemd, await host.Controller().ManagerAsync(null));
            Assert.Equal(ServiceManager.Systemd, await host.Controller().ManagerAsync(null));
            Assert.Single(host.Asked);
            Assert.Equal(ServiceManager.OpenRC, await host.Controller().ManagerAsync(ServiceManager.OpenRC));
            Assert.Single(host.Asked);
        }

        [Fact]
        public async Task AnUnrecognisedSysVServiceIsNotFoundByItsMissingInitScript()
        {
            var host = new ScriptedServiceHost(command => command.StartsWith("test -e", StringComparison.Ordinal) ? (1, "", "") : (1, "", "nosuch: unrecognized service\n"));
            var status = await host.Controller().StatusAsync(ServiceManager.SysV, "nosuch");
            Assert.Equal(ServiceState.NotFound, status.State);
        }

        [Fact]
        public async Task ADeadSysVServiceWithAnInitScriptIsFailed()
        {
            var host = new ScriptedServiceHost(command => command.StartsWith("test -e", StringComparison.Ordinal) ? (0, "", "") : (1, "", ""));
            Assert.Equal(ServiceState.Failed, (await host.Controller().StatusAsync(ServiceManager.SysV, "nginx")).State);
        }

        [Fact]
        public async Task ABrokenConfigurationRefusesTheRestartAndRunsNoAction()
        {
            var host = new ScriptedServiceHost(command => command switch
            {
                "/usr/sbin/nginx -t" => (1, "", "nginx: [emerg] unknown directive \"oops\"\nnginx: configuration file /etc/nginx/nginx.conf test failed\n"),
                _ => (0, "", ""),
            });
            var (result, error) = await host.Controller().ActAsync(ServiceManager.SysV, "nginx", ServiceAction.Restart, testConfig: true, wait: true, TimeSpan.FromSeconds(5));
            Assert.Equal(ErrorIds.ServiceConfigInvalid, error!.ErrorId);
            Assert.Equal("web01", error.ComputerName);
            Assert.False(result.Succeeded);
            Assert.Equal(ServiceState.Running, result.StateAfter);
            Assert.Contains("unknown directive", result.Error);
            Assert.DoesNotContain(host.Asked, r => r.Command.Contains("restart"));
            Assert.True(host.Asked.Single(r => r.Command == "/usr/sbin/nginx -t").Sudo);
        }

        [Fact]
        public async Task ARestartRunsUnderSudoAndWaitsForRunning()
        {
            var statusCalls = 0;
            var host = new ScriptedServiceHost(command =>
            {
                if (command.EndsWith("status", StringComparison.Ordinal))
                {
                    // Running before; after the restart, stopped twice, then running.
                    var call = Interlocked.Increment(ref statusCalls);
                    return (call == 1 || call >= 4 ? 0 : 3, "", "");
                }

                return (0, "Restarting nginx: nginx.\n", "");
            });
            var (result, error) = await host.Controller().ActAsync(ServiceManager.SysV, "nginx", ServiceAction.Restart, testConfig: false, wait: true, TimeSpan.FromSeconds(5));
            Assert.Null(error);
            Assert.True(result.Succeeded);
            Assert.Equal(ServiceState.Running, result.StateAfter);
            Assert.Equal(4, statusCalls);
            var action = host.Asked.Single(r => r.Command == "/usr/sbin/service 'nginx' restart");
            Assert.True(action.Sudo);
        }

        [Fact]
        public async Task AStateThatNeverComesIsATimeoutError()
        {
            var host = new ScriptedServiceHost(command => command.EndsWith("status", StringComparison.Ordinal) ? (0, "", "") : (0, "", ""));
            var (result, error) = await host.Controller().ActAsync(ServiceManager.SysV, "nginx", ServiceAction.Stop, testConfig: false, wait: true, TimeSpan.FromMilliseconds(500));
            Assert.Equal(ErrorIds.ServiceStateTimeout, error!.ErrorId);
            Assert.False(result.Succeeded);
            Assert.Equal(ServiceState.Running, result.StateAfter);
        }

        [Fact]
        public async Task AFailingActionIsAnActionFailedErrorWithTheOutputKept()
        {
            var host = new ScriptedServiceHost(command => command.EndsWith("status", StringComparison.Ordinal) ? (3, "", "") : (1, "", "Starting nginx: failed\n"));
            var (result, error) = await host.Controller().ActAsync(ServiceManager.SysV, "nginx", ServiceAction.Start, testConfig: false, wait: true, TimeSpan.FromSeconds(5));
            Assert.Equal(ErrorIds.ServiceActionFailed, error!.ErrorId);
            Assert.Equal("Starting nginx: failed\n", result.Error);
            Assert.False(result.Succeeded);
        }

        [Fact]
        public async Task AnUnknownServiceIsNotActedOn()
        {
            var host = new ScriptedServiceHost(command => command.StartsWith("test -e", StringComparison.Ordinal) ? (1, "", "") : (1, "", ""));
            var (_, error) = await host.Controller().ActAsync(ServiceManager.SysV, "nosuch", ServiceAction.Restart, testConfig: true, wait: true, TimeSpan.FromSeconds(5));
            Assert.Equal(ErrorIds.ServiceNotFound, error!.ErrorId);
            Assert.DoesNotContain(host.Asked, r => r.Sudo);
        }
    }
}
