using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Remediation;
using Sentinel.Results;
using Sentinel.Services;
using Sentinel.Tests.Fakes;
using Xunit;

namespace Sentinel.Tests.Remediation
{
    /// <summary>The one remediation path against a scripted SysV host: what runs, in what order, and what it concludes.</summary>
    public sealed class RemediatorTests : IDisposable
    {
        private const string Status = "PATH=\"$PATH:/usr/sbin:/sbin\" service 'nginx' status";
        private const string Start = "/usr/sbin/service 'nginx' start";
        private const string Restart = "/usr/sbin/service 'nginx' restart";
        private const string ConfigTest = "/usr/sbin/nginx -t";
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "sentinel-remediator-" + Guid.NewGuid().ToString("N"));
        private readonly FakeClock _clock = new FakeClock();

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, true);
            }
        }

        private Remediator NewRemediator(int budget = 3, bool force = false, bool testConfig = true, double settleSeconds = 5) => new Remediator(
            new RestartBudget(Path.Combine(_folder, RestartBudget.FileName), budget, TimeSpan.FromMinutes(30), _clock),
            new RemediationOptions { Manager = ServiceManager.SysV, Settle = TimeSpan.FromSeconds(settleSeconds), Force = force, TestConfig = testConfig },
            _clock);

        /// <summary>A SysV nginx whose status exit codes come from <paramref name="states"/> in turn (the last one repeats).</summary>
        private static ScriptedServiceHost Nginx(int[] states, int configExit = 0, int actionExit = 0, Func<CommandRequest, (int, string, string)>? other = null)
        {
            var calls = 0;
            return ScriptedServiceHost.OnRequest(request =>
            {
                switch (request.Command)
                {
                    case Status:
                        return (states[Math.Min(Interlocked.Increment(ref calls) - 1, states.Length - 1)], "", "");
                    case ConfigTest:
                        return (configExit, "", configExit == 0 ? "nginx: configuration file /etc/nginx/nginx.conf test is successful\n" : "nginx: [emerg] unknown directive \"oops\"\nnginx: configuration file test failed\n");
                    case Start:
                    case Restart:
                        return (actionExit, "", actionExit == 0 ? "" : "Starting nginx: failed\n");
                    default:
                        // The log probe (the error log exists and is readable) and the tail of it.
                        if (request.Command.StartsWith("if [ -e '/var/log/nginx/error.log' ]", StringComparison.Ordinal))
                        {
                            return (ServiceLogs.FileReadable, "", "");
                        }

                        return other?.Invoke(request) ?? (0, "2026/11/25 10:00:00 [emerg] bind() to 0.0.0.0:80 failed\n", "");
                }
            });
        }

        private Task<RemediationResult> Repair(ScriptedServiceHost host, Remediator? remediator = null) =>
            (remediator ?? NewRemediator()).RepairAsync(host.Controller(), "web01", "nginx", 1, CancellationToken.None);

        [Fact]
        public async Task ARunningServiceIsLeftAloneWithNothingElseAsked()
        {
            var host = Nginx(new[] { 0 });
            var result = await Repair(host);
            Assert.Equal(RemediationAction.NoAction, result.Action);
            Assert.Equal(ServiceState.Running, result.StateAfter);
            Assert.Equal(new[] { Status }, host.Commands);
            Assert.Empty(result.Diagnostics);
        }

        [Fact]
        public async Task AStoppedServiceGetsDiagnosticsThenTheTestThenAStartAndMustStayRunningForTheSettleTime()
        {
            var host = Nginx(new[] { 3, 0 });
            var before = _clock.UtcNow;
            var result = await Repair(host);
            Assert.Equal(RemediationAction.Started, result.Action);
            Assert.Equal(ServiceState.Stopped, result.StateBefore);
            Assert.Equal(ServiceState.Running, result.StateAfter);
            Assert.Equal(TimeSpan.FromSeconds(5), _clock.UtcNow - before);
            Assert.StartsWith("State: Stopped (SysV)\nLog (/var/log/nginx/error.log, last 50 lines):\n2026/11/25", result.Diagnostics);
            var commands = host.Commands.ToList();
            Assert.True(commands.IndexOf("tail -n 50 -- '/var/log/nginx/error.log'") < commands.IndexOf(ConfigTest));
            Assert.True(commands.IndexOf(ConfigTest) < commands.IndexOf(Start));
            Assert.Equal(3 + 10, commands.Count(c => c == Status)); // before, the action's before and after, then every 0.5 s of the 5 s
            Assert.True(host.Asked.Single(r => r.Command == Start).Sudo);
        }

        [Fact]
        public async Task AFailedServiceIsRestartedNotStarted()
        {
            var host = Nginx(new[] { 1, 0 });
            var result = await Repair(host);
            Assert.Equal(RemediationAction.Restarted, result.Action);
            Assert.Contains(Restart, host.Commands);
            Assert.DoesNotContain(Start, host.Commands);
        }

        [Fact]
        public async Task AServiceThatDiesWithinTheSettleTimeIsFailedWithTheLogAfterwards()
        {
            var host = Nginx(new[] { 3, 3, 0, 0, 0, 1 });
            var result = await Repair(host);
            Assert.Equal(RemediationAction.Failed, result.Action);
            Assert.Equal(ServiceState.Failed, result.StateAfter);
            Assert.StartsWith("DiedAfterStart: started and Running, then Failed 1.5 s later", result.Reason);
            Assert.Contains("\nAfter the attempt:\nLog (/var/log/nginx/error.log", result.Diagnostics);
        }

        [Fact]
        public async Task ABrokenConfigurationIsRefusedAndNothingIsStarted()
        {
            var host = Nginx(new[] { 3 }, configExit: 1);
            var result = await Repair(host);
            Assert.Equal(RemediationAction.Refused, result.Action);
            Assert.Equal(ServiceState.Stopped, result.StateAfter);
            Assert.StartsWith("ConfigInvalid: /usr/sbin/nginx -t failed (exit 1), so nothing was restarted: nginx: [emerg] unknown directive", result.Reason);
            Assert.DoesNotContain(host.Commands, c => c.Contains("service 'nginx' st") && c != Status || c == Restart);
            Assert.True(NewRemediator().Budget.Check("web01", "nginx").Used == 0, "a refusal takes nothing from the budget");
        }

        [Fact]
        public async Task WithoutTestConfigTheTestIsNotRun()
        {
            var host = Nginx(new[] { 3, 0 }, configExit: 1);
            Assert.Equal(RemediationAction.Started, (await Repair(host, NewRemediator(testConfig: false))).Action);
            Assert.DoesNotContain(ConfigTest, host.Commands);
        }

        [Fact]
        public async Task AnExhaustedBudgetSkipsTheServiceWithoutActingAndForceIgnoresIt()
        {
            var remediator = NewRemediator(budget: 2, settleSeconds: 0);
            Assert.Equal(RemediationAction.Started, (await Repair(Nginx(new[] { 3, 0 }), remediator)).Action);
            Assert.Equal(RemediationAction.Started, (await Repair(Nginx(new[] { 3, 0 }), remediator)).Action);
            var third = Nginx(new[] { 3 });
            var skipped = await Repair(third, remediator);
            Assert.Equal(RemediationAction.Skipped, skipped.Action);
            Assert.StartsWith("BudgetExhausted: 2 restart(s) of nginx on web01 already, the budget is 2; the next is allowed after", skipped.Reason);
            Assert.DoesNotContain(Start, third.Commands);
            Assert.DoesNotContain(ConfigTest, third.Commands);
            Assert.NotEmpty(skipped.Diagnostics);

            Assert.Equal(RemediationAction.Started, (await Repair(Nginx(new[] { 3, 0 }), NewRemediator(budget: 2, force: true, settleSeconds: 0))).Action);
            Assert.Equal(3, remediator.Budget.Check("web01", "nginx").Used);
        }

        [Fact]
        public async Task AFailingStartIsFailedWithTheManagersWords()
        {
            var result = await Repair(Nginx(new[] { 3 }, actionExit: 1));
            Assert.Equal(RemediationAction.Failed, result.Action);
            Assert.StartsWith("ServiceActionFailed: Start of 'nginx' on web01 failed (exit 1): Starting nginx: failed", result.Reason);
        }

        [Fact]
        public async Task AnUnknownServiceIsFailedNotFoundAndNothingRuns()
        {
            var host = new ScriptedServiceHost(command => command.StartsWith("test -e", StringComparison.Ordinal) ? (1, "", "") : (1, "", ""));
            var result = await Repair(host);
            Assert.Equal(RemediationAction.Failed, result.Action);
            Assert.Equal(ServiceState.NotFound, result.StateBefore);
            Assert.StartsWith("NotFound:", result.Reason);
            Assert.DoesNotContain(host.Asked, r => r.Sudo);
        }

        [Fact]
        public async Task ASudoRefusalIsFailedWithItsIdAsTheReasonNeverAnException()
        {
            var host2 = ScriptedServiceHost.OnRequest(request =>
                request.Command == Start ? throw new SentinelException(ErrorIds.SudoNotAllowed, ErrorCategory.PermissionDenied, "web01", "sudo refused")
                : request.Command == Status ? (3, "", "") : (1, "", ""));
            var result = await Repair(host2, NewRemediator(testConfig: false));
            Assert.Equal(RemediationAction.Failed, result.Action);
            Assert.Equal("SudoNotAllowed: sudo refused", result.Reason);
            Assert.Contains("Log: not read", result.Diagnostics);
        }

        [Fact]
        public void ThePlanSaysWhatWouldHappenWithoutAskingTheHost()
        {
            var plan = NewRemediator().Plan("web01", "nginx");
            Assert.Equal("nginx: when not Running, test the configuration (/usr/sbin/nginx -t), then start it (Stopped) or restart it, and check it stays Running for 5 s (restart budget: 0 of 3 used in 30 min)", plan);
            Assert.Contains("BudgetExhausted", NewRemediator(budget: 0).Plan("web01", "nginx"));
        }
    }
}
