using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Remediation;
using Sentinel.Results;
using Sentinel.Services;
using Sentinel.Tests.Fakes;
using Sentinel.Tests.Remediation;
using Xunit;

namespace Sentinel.Tests.Services
{
    /// <summary>systemd's own limits (issue 23 part 2): start-limit-hit, reset-failed, auto-restart and NRestarts, against a scripted systemd host.</summary>
    public sealed class SystemdLimitsTests : IDisposable
    {
        private const string Status = "TZ=UTC systemctl show -p " + ServiceCommands.SystemdProperties + " -- 'app.service'";
        private const string Start = "systemctl start -- 'app.service'";
        private const string Restart = "systemctl restart -- 'app.service'";
        private const string ResetFailed = "systemctl reset-failed -- 'app.service'";
        private const string Running = "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=42\nResult=success\nNRestarts=0\nStartLimitBurst=2\nStartLimitIntervalUSec=10s\n";
        private const string LimitHit = "LoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0\nResult=start-limit-hit\nNRestarts=0\nStartLimitBurst=2\nStartLimitIntervalUSec=1min 30s\n";
        private const string AutoRestart = "LoadState=loaded\nActiveState=activating\nSubState=auto-restart\nMainPID=0\nResult=exit-code\nNRestarts=4\nStartLimitBurst=5\nStartLimitIntervalUSec=10s\n";
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "sentinel-limits-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, true);
            }
        }

        /// <summary>A systemd unit whose status answers come from <paramref name="states"/> in turn (the last repeats); starts exit <paramref name="startExit"/>.</summary>
        private static ScriptedServiceHost Unit(string[] states, int startExit = 0, string journal = "")
        {
            var calls = 0;
            return ScriptedServiceHost.OnRequest(request =>
            {
                switch (request.Command)
                {
                    case Status:
                        return (0, states[Math.Min(Interlocked.Increment(ref calls) - 1, states.Length - 1)], "");
                    case Start:
                    case Restart:
                        return (startExit, "", startExit == 0 ? "" : "Job for app.service failed because the start request repeated too quickly.\n");
                    default:
                        return request.Command.StartsWith("journalctl", StringComparison.Ordinal) ? (0, journal, "") : (0, "", "");
                }
            });
        }

        private Remediator NewRemediator(bool resetFailed = false, int budget = 3) => new Remediator(
            new RestartBudget(Path.Combine(_folder, RestartBudget.FileName), budget, TimeSpan.FromMinutes(30), new FakeClock()),
            new RemediationOptions { Manager = ServiceManager.Systemd, Settle = TimeSpan.Zero, TestConfig = false, ResetFailed = resetFailed },
            new FakeClock());

        [Fact]
        public void SystemctlShowGivesTheResultRestartsAndStartLimit()
        {
            var status = ServiceCommands.ParseSystemctlShow("web01", "app.service", LimitHit);
            Assert.True(status.StartLimitHit);
            Assert.Equal("start-limit-hit", status.Result);
            Assert.Equal(0, status.Restarts);
            Assert.Equal(2, status.StartLimitBurst);
            Assert.Equal("1min 30s", status.StartLimitInterval);
            var restarting = ServiceCommands.ParseSystemctlShow("web01", "app.service", AutoRestart);
            Assert.True(restarting.AutoRestarting);
            Assert.Equal(4, restarting.Restarts);
        }

        [Fact]
        public void AHostileIntervalOrCountIsDropped()
        {
            var status = ServiceCommands.ParseSystemctlShow("web01", "app.service", "Result=$(reboot)\nNRestarts=-1\nStartLimitBurst=x\nStartLimitIntervalUSec=10s; rm -rf /\n");
            Assert.Null(status.Result);
            Assert.Null(status.Restarts);
            Assert.Null(status.StartLimitBurst);
            Assert.Null(status.StartLimitInterval);
        }

        [Fact]
        public async Task AStartRefusedForTheStartLimitIsStartLimitHitWithTheBurstAndInterval()
        {
            var host = Unit(new[] { LimitHit }, startExit: 1);
            var (result, error) = await host.Controller().ActAsync(ServiceManager.Systemd, "app.service", ServiceAction.Start, false, true, TimeSpan.FromSeconds(5));
            Assert.False(result.Succeeded);
            Assert.Equal(ErrorIds.ServiceStartLimitHit, error!.ErrorId);
            Assert.Contains("2 starts within 1min 30s", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(ResetFailed, host.Commands);
        }

        [Fact]
        public async Task ARefusalAfterSystemdsOwnRestartsIsStartLimitHitThoughResultStaysExitCode()
        {
            // systemd 252, seen on the lab's systemd host: its auto-restarts ran into the limit, Result kept exit-code.
            var journal = "Dec 05 08:30:30 web01 systemd[1]: app.service: Start request repeated too quickly.\nDec 05 08:30:30 web01 systemd[1]: app.service: Failed with result 'exit-code'.\nDec 05 08:30:30 web01 systemd[1]: Failed to start app.service.\n";
            var host = Unit(new[] { LimitHit.Replace("Result=start-limit-hit", "Result=exit-code") }, startExit: 1, journal: journal);
            var (_, error) = await host.Controller().ActAsync(ServiceManager.Systemd, "app.service", ServiceAction.Restart, false, true, TimeSpan.FromSeconds(5));
            Assert.Equal(ErrorIds.ServiceStartLimitHit, error!.ErrorId);
        }

        [Fact]
        public async Task AnyOtherFailedStartStaysActionFailed()
        {
            var host = Unit(new[] { LimitHit.Replace("Result=start-limit-hit", "Result=exit-code") }, startExit: 1, journal: "Dec 05 08:30:30 web01 systemd[1]: Failed to start app.service.\n");
            var (_, error) = await host.Controller().ActAsync(ServiceManager.Systemd, "app.service", ServiceAction.Restart, false, true, TimeSpan.FromSeconds(5));
            Assert.Equal(ErrorIds.ServiceActionFailed, error!.ErrorId);
        }

        [Fact]
        public async Task ResetFailedClearsAFailedUnitBeforeTheStart()
        {
            var host = Unit(new[] { LimitHit, Running });
            var (result, error) = await host.Controller().ActAsync(ServiceManager.Systemd, "app.service", ServiceAction.Start, false, true, TimeSpan.FromSeconds(5), resetFailed: true);
            Assert.Null(error);
            Assert.True(result.Succeeded);
            Assert.Equal(new[] { Status, ResetFailed, Start, Status }, host.Commands);
            Assert.True(host.Asked.Single(r => r.Command == ResetFailed).Sudo);
        }

        [Fact]
        public async Task AUnitSystemdIsRestartingIsLeftToSystemd()
        {
            var host = Unit(new[] { AutoRestart });
            var (result, error) = await host.Controller().ActAsync(ServiceManager.Systemd, "app.service", ServiceAction.Restart, false, true, TimeSpan.FromSeconds(5));
            Assert.False(result.Succeeded);
            Assert.Equal(ErrorIds.ServiceAutoRestarting, error!.ErrorId);
            Assert.Contains("4 restart(s)", error.Message, StringComparison.Ordinal);
            Assert.Equal(new[] { Status }, host.Commands);
        }

        [Fact]
        public async Task RepairLeavesAnAutoRestartingUnitToSystemdAsSkipped()
        {
            var host = Unit(new[] { AutoRestart });
            var result = await NewRemediator().RepairAsync(host.Controller(), "web01", "app.service", 1, CancellationToken.None);
            Assert.Equal(RemediationAction.Skipped, result.Action);
            Assert.StartsWith("ServiceAutoRestarting:", result.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain(Restart, host.Commands);
        }

        [Fact]
        public async Task RepairCountsSystemdsOwnRestartsAgainstTheBudget()
        {
            var failedAfterRestarts = LimitHit.Replace("NRestarts=0", "NRestarts=3");
            var host = Unit(new[] { failedAfterRestarts });
            var result = await NewRemediator(resetFailed: true, budget: 3).RepairAsync(host.Controller(), "web01", "app.service", 1, CancellationToken.None);
            Assert.Equal(RemediationAction.Skipped, result.Action);
            Assert.Contains("3 by systemd itself", result.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain(ResetFailed, host.Commands);
            Assert.DoesNotContain(Restart, host.Commands);
        }

        [Fact]
        public async Task RepairReportsStartLimitHitNotAGenericFailure()
        {
            var host = Unit(new[] { LimitHit }, startExit: 1);
            var result = await NewRemediator().RepairAsync(host.Controller(), "web01", "app.service", 1, CancellationToken.None);
            Assert.Equal(RemediationAction.Failed, result.Action);
            Assert.StartsWith("ServiceStartLimitHit:", result.Reason, StringComparison.Ordinal);
        }

        [Fact]
        public async Task RepairWithResetFailedResetsWithinTheBudgetAndBringsTheUnitBack()
        {
            var host = Unit(new[] { LimitHit, LimitHit, Running });
            var result = await NewRemediator(resetFailed: true).RepairAsync(host.Controller(), "web01", "app.service", 1, CancellationToken.None);
            Assert.Equal(RemediationAction.Restarted, result.Action);
            Assert.True(host.Commands.ToList().IndexOf(ResetFailed) < host.Commands.ToList().IndexOf(Restart));
        }
    }
}
