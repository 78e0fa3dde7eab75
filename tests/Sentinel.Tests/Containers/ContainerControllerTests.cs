using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Containers;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Xunit;

namespace Sentinel.Tests.Containers
{
    /// <summary>The container controller against a scripted host: what it runs, and what docker's answers become.</summary>
    public sealed class ContainerControllerTests
    {
        private const string InspectPrefix = "docker inspect --format '{{json .State}}' -- ";

        private readonly List<CommandRequest> _asked = new List<CommandRequest>();

        private ContainerController Controller(Func<string, (int Exit, string Output, string Error)> answer) =>
            new ContainerController(new ScriptedRemoteHost(ScriptedRemoteHost.NewSession(), (request, _) =>
            {
                lock (_asked)
                {
                    _asked.Add(request);
                }

                var (exit, output, error) = answer(request.Command);
                return Task.FromResult(new CommandResult("web01", 1, request.Command, request.Sudo, exit, null, output, error, DateTime.Now, TimeSpan.Zero, output.Length, error.Length, false));
            }), CancellationToken.None);

        private static (int, string, string) Ps() => (0, Fixtures.Read("docker-ps.engine-cli.captured.jsonl"), string.Empty);

        [Theory]
        [InlineData("not json at all\n")]
        [InlineData("{\"ID\":\"3f2a\",\"Names\":\"web\"\n")]
        [InlineData("[1,2]\n")]
        [InlineData("{\"Image\":\"nginx\",\"State\":\"running\"}\n")]
        public async Task OutputOfPsThatDoesNotParseIsDockerFailedNamingTheHost(string output)
        {
            var controller = Controller(command => (0, output, string.Empty));
            var error = await Assert.ThrowsAsync<SentinelException>(() => controller.ListAsync());
            Assert.Equal(ErrorIds.ContainerCommandFailed, error.ErrorId);
            Assert.Equal("web01", error.ComputerName);
            Assert.Contains(DockerOutput.PsCommand, error.Message);
        }

        [Fact]
        public async Task AFailingPsIsDockerFailedWithDockersMessage()
        {
            var controller = Controller(command => (1, string.Empty, "permission denied while trying to connect to the Docker daemon socket\n"));
            var error = await Assert.ThrowsAsync<SentinelException>(() => controller.ListAsync());
            Assert.Equal(ErrorIds.ContainerCommandFailed, error.ErrorId);
            Assert.Contains("permission denied", error.Message);
        }

        [Fact]
        public async Task ARestartIsVerifiedByInspectingTheContainerAfterwards()
        {
            var controller = Controller(command =>
                command == DockerOutput.PsCommand ? Ps()
                : command.StartsWith("docker restart", StringComparison.Ordinal) ? (0, "ticker\n", string.Empty)
                : command.StartsWith(InspectPrefix, StringComparison.Ordinal) ? (0, Fixtures.Read("docker-inspect-state.ticker.captured.json"), string.Empty)
                : throw new InvalidOperationException("unexpected: " + command));

            var result = await controller.RestartAsync("ticker", TimeSpan.FromSeconds(20), stopGrace: 3);

            Assert.Equal(new[] { DockerOutput.PsCommand, "docker restart -t 3 -- 'ticker'", InspectPrefix + "'ticker'" }, _asked.Select(r => r.Command));
            Assert.All(_asked, r => Assert.False(r.Sudo));
            Assert.Equal(TimeSpan.FromSeconds(20), _asked[1].Timeout);
            Assert.True(result.Succeeded);
            Assert.Equal("running", result.StateAfter);
            Assert.Equal(new DateTime(2026, 11, 28, 21, 16, 17, DateTimeKind.Utc).AddTicks(4396615), result.StartedAt);
            Assert.Equal(("web01", "ticker", "Restart", 0), (result.ComputerName, result.Name, result.Action, result.ExitCode));
        }

        [Fact]
        public async Task ARestartedContainerThatIsNotRunningAfterwardsIsNotASuccess()
        {
            var controller = Controller(command =>
                command == DockerOutput.PsCommand ? Ps()
                : command.StartsWith("docker restart", StringComparison.Ordinal) ? (0, "finished\n", string.Empty)
                : (0, "{\"Status\":\"exited\",\"Running\":false,\"StartedAt\":\"2026-11-28T21:16:18Z\"}", string.Empty));

            var result = await controller.RestartAsync("finished", TimeSpan.FromSeconds(20), stopGrace: null);

            Assert.Equal("docker restart -- 'finished'", _asked[1].Command);
            Assert.False(result.Succeeded);
            Assert.Equal("exited", result.StateAfter);
        }

        [Fact]
        public async Task AnInspectThatDoesNotParseIsDockerFailed()
        {
            var controller = Controller(command =>
                command == DockerOutput.PsCommand ? Ps()
                : command.StartsWith("docker restart", StringComparison.Ordinal) ? (0, "ticker\n", string.Empty)
                : (0, "Error: no such object", string.Empty));

            var error = await Assert.ThrowsAsync<SentinelException>(() => controller.RestartAsync("ticker", TimeSpan.FromSeconds(20), null));
            Assert.Equal(ErrorIds.ContainerCommandFailed, error.ErrorId);
            Assert.Contains("docker inspect", error.Message);
        }

        [Fact]
        public async Task AContainerThatIsNotListedIsNotFoundAndNothingRuns()
        {
            var controller = Controller(command => command == DockerOutput.PsCommand ? Ps() : throw new InvalidOperationException("unexpected: " + command));

            var restart = await Assert.ThrowsAsync<SentinelException>(() => controller.RestartAsync("ghost", TimeSpan.FromSeconds(20), null));
            var logs = await Assert.ThrowsAsync<SentinelException>(() => controller.LogsAsync("ghost", 10, null, 1024));

            foreach (var error in new[] { restart, logs })
            {
                Assert.Equal(ErrorIds.ContainerNotFound, error.ErrorId);
                Assert.Equal("web01", error.ComputerName);
                Assert.Contains("'ghost'", error.Message);
            }

            Assert.All(_asked, r => Assert.Equal(DockerOutput.PsCommand, r.Command));
        }

        [Fact]
        public async Task AContainerIsFoundByAnIdPrefixAndItsLogsAreAskedForByTheNameGiven()
        {
            var controller = Controller(command => command == DockerOutput.PsCommand ? Ps() : (0, "tick\ntick\n", "warn\n"));

            var log = await controller.LogsAsync("31fbe2de4f9c", 2, "10m", 1024);

            Assert.Equal("docker logs --tail 2 --since '10m' -- '31fbe2de4f9c'", _asked.Last().Command);
            Assert.Equal(1024, _asked.Last().MaxOutputBytes);
            Assert.Equal(("tick\ntick\n", "warn\n"), (log.Output, log.Error));
        }
    }
}
