using System;
using System.Linq;
using Sentinel.Results;
using Sentinel.Services;
using Xunit;

namespace Sentinel.Tests.Services
{
    public sealed class ServiceCommandsTests
    {
        [Fact]
        public void CapturedSystemctlShowOfARunningUnitGivesStatePidSinceAndSubState()
        {
            var status = ServiceCommands.ParseSystemctlShow("web01", "nginx", Fixtures.Read("systemctl-show.nginx.captured.txt"));
            Assert.Equal(ServiceManager.Systemd, status.Manager);
            Assert.Equal(ServiceState.Running, status.State);
            Assert.Equal(41, status.MainPid);
            Assert.Equal("running", status.SubState);
            Assert.Equal(new DateTime(2026, 11, 28, 21, 16, 14, DateTimeKind.Utc), status.Since);
            Assert.Equal(DateTimeKind.Utc, status.Since!.Value.Kind);
            Assert.Equal("web01", status.ComputerName);
        }

        [Fact]
        public void CapturedSystemctlShowOfAFailedUnitIsFailedWithoutPid()
        {
            var status = ServiceCommands.ParseSystemctlShow("web01", "sentinel-failing", Fixtures.Read("systemctl-show.sentinel-failing.captured.txt"));
            Assert.Equal(ServiceState.Failed, status.State);
            Assert.Null(status.MainPid);
            Assert.Equal("failed", status.SubState);
        }

        [Fact]
        public void CapturedSystemctlShowOfAnUnknownUnitIsNotFoundWithoutSince()
        {
            var status = ServiceCommands.ParseSystemctlShow("web01", "nosuch", Fixtures.Read("systemctl-show.not-found.captured.txt"));
            Assert.Equal(ServiceState.NotFound, status.State);
            Assert.Null(status.Since);
        }

        [Fact]
        public void CapturedSystemctlShowOfANeverStartedUnitIsStoppedWithoutPidOrSince()
        {
            var status = ServiceCommands.ParseSystemctlShow("web01", "sentinel-idle", Fixtures.Read("systemctl-show.sentinel-idle.captured.txt"));
            Assert.Equal(ServiceState.Stopped, status.State);
            Assert.Equal("dead", status.SubState);
            Assert.Null(status.MainPid);
            Assert.Null(status.Since);
        }

        [Fact]
        public void SystemctlShowWithCrLfAndTransitionalStatesParses()
        {
            Assert.Equal(ServiceState.Unknown, ServiceCommands.ParseSystemctlShow("h", "x", "LoadState=loaded\r\nActiveState=activating\r\n").State);
            Assert.Equal(ServiceState.Running, ServiceCommands.ParseSystemctlShow("h", "x", "LoadState=loaded\r\nActiveState=reloading\r\n").State);
            Assert.Equal(ServiceState.Unknown, ServiceCommands.ParseSystemctlShow("h", "x", string.Empty).State);
        }

        [Theory]
        [InlineData(0, ServiceState.Running)]
        [InlineData(1, ServiceState.Failed)]
        [InlineData(2, ServiceState.Failed)]
        [InlineData(3, ServiceState.Stopped)]
        [InlineData(4, ServiceState.Unknown)]
        [InlineData(127, ServiceState.Unknown)]
        [InlineData(null, ServiceState.Unknown)]
        public void LsbExitCodesMapToStates(int? exitCode, ServiceState expected) => Assert.Equal(expected, ServiceCommands.FromLsbExitCode(exitCode));

        [Theory]
        [InlineData(0, ServiceState.Running)]
        [InlineData(3, ServiceState.Stopped)]
        [InlineData(32, ServiceState.Failed)]
        [InlineData(1, ServiceState.Unknown)]
        public void OpenRcExitCodesMapToStates(int exitCode, ServiceState expected) => Assert.Equal(expected, ServiceCommands.FromOpenRcExitCode(exitCode));

        [Theory]
        [InlineData(10, ServiceManager.Systemd)]
        [InlineData(11, ServiceManager.OpenRC)]
        [InlineData(12, ServiceManager.SysV)]
        public void DetectionIsReadFromTheExitCode(int exitCode, ServiceManager expected) => Assert.Equal(expected, ServiceCommands.ManagerFromExitCode(exitCode));

        [Fact]
        public void CommandsQuoteTheNameAndPutTheProgramFirstForSudoers()
        {
            Assert.Equal("/usr/sbin/service 'nginx' restart", ServiceCommands.Action(ServiceManager.SysV, "nginx.service", ServiceAction.Restart));
            Assert.Equal("systemctl stop -- 'nginx.service'", ServiceCommands.Action(ServiceManager.Systemd, "nginx.service", ServiceAction.Stop));
            Assert.Equal("rc-service 'nginx' start", ServiceCommands.Action(ServiceManager.OpenRC, "nginx", ServiceAction.Start));
            Assert.Equal("TZ=UTC systemctl show -p Id,LoadState,ActiveState,SubState,MainPID,ActiveEnterTimestamp,Result,NRestarts,StartLimitBurst,StartLimitIntervalUSec -- 'nginx'", ServiceCommands.Status(ServiceManager.Systemd, "nginx"));
            Assert.EndsWith("service 'nginx' status", ServiceCommands.Status(ServiceManager.SysV, "nginx"));
        }

        [Theory]
        [InlineData("nginx", true)]
        [InlineData("nginx.service", true)]
        [InlineData("getty@tty1.service", true)]
        [InlineData("systemd-fsck@dev-disk-by\\x2duuid-1.service", true)]
        [InlineData("php8.2-fpm", true)]
        [InlineData("nginx; touch /tmp/x", false)]
        [InlineData("nginx && reboot", false)]
        [InlineData("$(id)", false)]
        [InlineData("`id`", false)]
        [InlineData("nginx\nid", false)]
        [InlineData("nginx\n", false)]
        [InlineData("nginx\r\n", false)]
        [InlineData("nginx\0", false)]
        [InlineData("\"nginx\"", false)]
        [InlineData("'nginx'", false)]
        [InlineData("-x", false)]
        [InlineData("--help", false)]
        [InlineData("a b", false)]
        [InlineData("a'b", false)]
        [InlineData("", false)]
        public void OnlySystemdUnitNameCharactersPass(string name, bool valid) => Assert.Equal(valid, ServiceName.IsValid(name));

        [Fact]
        public void HostileSystemctlShowOutputNeverThrowsAndKeepsOnlyASystemdWordAsSubState()
        {
            var sample = Fixtures.Read("systemctl-show.nginx.captured.txt");
            HostileInput.EachReturns(HostileInput.Structured(sample).Concat(HostileInput.Random(sample)), text => ServiceCommands.ParseSystemctlShow("h", "nginx", text));

            var hostile = ServiceCommands.ParseSystemctlShow("h", "nginx", "LoadState=loaded\nActiveState=active\nSubState=running\u001b[2J\nMainPID=99999999999999999999\nActiveEnterTimestamp=Wed 9999-99-99 99:99:99 UTC\n");
            Assert.Equal(ServiceState.Running, hostile.State);
            Assert.Null(hostile.SubState);
            Assert.Null(hostile.MainPid);
            Assert.Null(hostile.Since);
        }

        [Theory]
        [InlineData("nginx", "/usr/sbin/nginx -t")]
        [InlineData("nginx.service", "/usr/sbin/nginx -t")]
        [InlineData("sshd", "/usr/sbin/sshd -t")]
        [InlineData("ssh", "/usr/sbin/sshd -t")]
        [InlineData("apache2", "apachectl configtest")]
        [InlineData("httpd", "apachectl configtest")]
        [InlineData("haproxy", "haproxy -c -f /etc/haproxy/haproxy.cfg")]
        [InlineData("postgresql", null)]
        public void EachServiceHasItsConfigTest(string name, string? command) => Assert.Equal(command, ConfigTests.For(name));
    }
}
