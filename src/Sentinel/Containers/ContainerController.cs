using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Hosts;
using Sentinel.Results;

namespace Sentinel.Containers
{
    /// <summary>
    /// Container work on one host with the docker rights operators get: ps, restart, logs, and
    /// inspect to verify a restart. docker runs as the login user (a member of the docker group).
    /// </summary>
    internal sealed class ContainerController
    {
        private readonly IRemoteHost _host;
        private readonly CancellationToken _stop;

        public ContainerController(IRemoteHost host, CancellationToken stop)
        {
            _host = host;
            _stop = stop;
        }

        private string Host => _host.ComputerName;

        private Task<CommandResult> RunAsync(CommandRequest request) => _host.RunAsync(request, _stop);

        public async Task<List<ContainerStatus>> ListAsync()
        {
            var result = await RunDockerAsync(DockerOutput.PsCommand, CommandRequest.QueryTimeout).ConfigureAwait(false);
            try
            {
                return DockerOutput.ParsePs(Host, result.Output);
            }
            catch (FormatException e)
            {
                throw ServiceErrors.DockerFailed(Host, DockerOutput.PsCommand, result.ExitCode, e.Message);
            }
        }

        public async Task<ContainerStatus> FindAsync(string name) =>
            (await ListAsync().ConfigureAwait(false)).FirstOrDefault(c => DockerOutput.Matches(c, name))
            ?? throw ServiceErrors.ContainerNotFound(Host, name);

        /// <param name="stopGrace">docker restart's -t: how long the container may take to stop before it is killed; null keeps docker's default.</param>
        public async Task<ContainerActionResult> RestartAsync(string name, TimeSpan timeout, int? stopGrace)
        {
            var clock = Stopwatch.StartNew();
            await FindAsync(name).ConfigureAwait(false);
            // -t is the one spelling every docker CLI takes: 20.10 knows only --time, and 23+ prints
            // a deprecation notice for --time (on stdout, into the result) in favour of --timeout.
            var grace = stopGrace.HasValue ? " -t " + stopGrace.Value.ToString(CultureInfo.InvariantCulture) : string.Empty;
            var restart = await RunAsync(new CommandRequest($"docker restart{grace} -- {ShellQuote.Quote(name)}") { Timeout = timeout }).ConfigureAwait(false);
            var inspect = await RunDockerAsync($"docker inspect --format '{{{{json .State}}}}' -- {ShellQuote.Quote(name)}", CommandRequest.QueryTimeout).ConfigureAwait(false);
            (string Status, bool Running, DateTime? StartedAt) state;
            try
            {
                state = DockerOutput.ParseInspectState(inspect.Output);
            }
            catch (FormatException e)
            {
                throw ServiceErrors.DockerFailed(Host, "docker inspect", inspect.ExitCode, e.Message);
            }

            return new ContainerActionResult(Host, name, "Restart", restart.ExitCode, state.Status, state.StartedAt, restart.Succeeded && state.Running, clock.Elapsed, restart.Output, restart.Error);
        }

        public async Task<ContainerLog> LogsAsync(string name, int? tail, string? since, long maxOutputBytes)
        {
            await FindAsync(name).ConfigureAwait(false);
            var command = "docker logs"
                + (tail.HasValue ? " --tail " + tail.Value.ToString(CultureInfo.InvariantCulture) : string.Empty)
                + (since != null ? " --since " + ShellQuote.Quote(since) : string.Empty)
                + " -- " + ShellQuote.Quote(name);
            var result = await RunDockerAsync(command, CommandRequest.QueryTimeout, maxOutputBytes).ConfigureAwait(false);
            return new ContainerLog(Host, name, result.Output, result.Error, result.Truncated);
        }

        private async Task<CommandResult> RunDockerAsync(string command, TimeSpan timeout, long maxOutputBytes = CommandRequest.DefaultMaxOutputBytes)
        {
            var result = await RunAsync(new CommandRequest(command) { Timeout = timeout, MaxOutputBytes = maxOutputBytes }).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw ServiceErrors.DockerFailed(Host, command, result.ExitCode, result.Error);
            }

            return result;
        }
    }
}
