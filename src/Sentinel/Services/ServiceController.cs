using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Hosts;
using Sentinel.Results;

namespace Sentinel.Services
{
    /// <summary>
    /// Service work on one host: manager detection (once per session, kept on it), status,
    /// configuration tests and verified actions, each command run (and audited) by the host.
    /// </summary>
    internal sealed class ServiceController
    {
        /// <summary>How often -Wait asks for the state: short, as a status check costs one round trip.</summary>
        public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
        private readonly IRemoteHost _host;
        private readonly CancellationToken _stop;

        /// <param name="stop">Ends the commands and the waits.</param>
        public ServiceController(IRemoteHost host, CancellationToken stop)
        {
            _host = host;
            _stop = stop;
        }

        private string Host => _host.ComputerName;

        private Task<CommandResult> RunAsync(CommandRequest request) => _host.RunAsync(request, _stop);

        public async Task<ServiceManager> ManagerAsync(ServiceManager? forced)
        {
            if (forced.HasValue)
            {
                return forced.Value;
            }

            var live = _host.Session.Live;
            if (live.ServiceManager is ServiceManager known)
            {
                return known;
            }

            var result = await RunAsync(new CommandRequest(ServiceCommands.DetectManager) { Timeout = CommandRequest.QueryTimeout }).ConfigureAwait(false);
            var manager = ServiceCommands.ManagerFromExitCode(result.ExitCode) ?? ServiceManager.SysV;
            live.ServiceManager = manager;

            return manager;
        }

        public async Task<ServiceStatus> StatusAsync(ServiceManager manager, string name)
        {
            var result = await RunAsync(new CommandRequest(ServiceCommands.Status(manager, name)) { Timeout = CommandRequest.QueryTimeout }).ConfigureAwait(false);
            if (manager == ServiceManager.Systemd)
            {
                return result.Succeeded
                    ? ServiceCommands.ParseSystemctlShow(Host, name, result.Output)
                    : new ServiceStatus(Host, name, manager, ServiceState.Unknown);
            }

            if (!ServiceCommands.IsDefinite(manager, result.ExitCode))
            {
                var exists = await RunAsync(new CommandRequest(ServiceCommands.InitScriptExists(name)) { Timeout = CommandRequest.QueryTimeout }).ConfigureAwait(false);
                if (exists.ExitCode == 1)
                {
                    return new ServiceStatus(Host, name, manager, ServiceState.NotFound);
                }
            }

            var state = manager == ServiceManager.OpenRC ? ServiceCommands.FromOpenRcExitCode(result.ExitCode) : ServiceCommands.FromLsbExitCode(result.ExitCode);
            return new ServiceStatus(Host, name, manager, state);
        }

        public async Task<ServiceConfigTestResult> TestConfigAsync(string name)
        {
            var command = ConfigTests.For(name);
            if (command == null)
            {
                return new ServiceConfigTestResult(Host, name, null, null, null, string.Empty);
            }

            var result = await RunAsync(Privileged(command, CommandRequest.QueryTimeout)).ConfigureAwait(false);
            return new ServiceConfigTestResult(Host, name, command, result.Succeeded, result.ExitCode, result.Output + result.Error);
        }

        /// <summary>
        /// The last <paramref name="tail"/> lines of the service's log: the journal on systemd (under sudo
        /// when the user cannot read the system journal), else the first existing known log file (under
        /// sudo when it is not readable). A service without a known log is ServiceLogUnknown.
        /// </summary>
        public async Task<ServiceLog> LogAsync(ServiceManager manager, string name, int tail, DateTime? since, long maxOutputBytes)
        {
            string source;
            string command;
            bool sudo;
            if (manager == ServiceManager.Systemd)
            {
                var readable = await RunAsync(new CommandRequest(ServiceLogs.JournalReadable) { Timeout = CommandRequest.QueryTimeout }).ConfigureAwait(false);
                (source, command, sudo) = ("journal", ServiceLogs.Journal(name, tail, since), readable.ExitCode != ServiceLogs.Readable);
            }
            else
            {
                var files = ServiceLogs.FilesFor(name);
                var found = files.Count == 0 ? null
                    : ServiceLogs.FromProbe(files, (await RunAsync(new CommandRequest(ServiceLogs.ProbeFiles(files)) { Timeout = CommandRequest.QueryTimeout }).ConfigureAwait(false)).ExitCode);
                if (found == null)
                {
                    throw RemediationErrors.LogUnknown(Host, name, manager.ToString());
                }

                (source, command, sudo) = (found.Value.File, ServiceLogs.Tail(found.Value.File, tail), found.Value.Sudo);
            }

            var request = sudo ? Privileged(command, CommandRequest.QueryTimeout) : new CommandRequest(command) { Timeout = CommandRequest.QueryTimeout };
            request.MaxOutputBytes = maxOutputBytes;
            var result = await RunAsync(request).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw ServiceErrors.LogFailed(Host, name, command, result.ExitCode, result.Error);
            }

            return new ServiceLog(Host, name, source, sudo, result.Output, result.Truncated);
        }

        /// <summary>
        /// Runs one action and, with <paramref name="wait"/>, polls until the wanted state or the timeout.
        /// Returns the result and, when it did not succeed, the error to report beside it. A unit systemd
        /// is restarting itself is left to it (ServiceAutoRestarting); a start systemd refuses for its
        /// start limit is ServiceStartLimitHit; <paramref name="resetFailed"/> clears a failed unit's
        /// state and start-limit counter (systemctl reset-failed) before a start or restart.
        /// </summary>
        public async Task<(ServiceActionResult Result, SentinelException? Error)> ActAsync(ServiceManager manager, string name, ServiceAction action, bool testConfig, bool wait, TimeSpan timeout, bool resetFailed = false)
        {
            var clock = Stopwatch.StartNew();
            var before = await StatusAsync(manager, name).ConfigureAwait(false);
            if (before.State == ServiceState.NotFound)
            {
                return (Result(name, action, before.State, before.State, false, clock, string.Empty, string.Empty), ServiceErrors.NotFound(Host, name, action.ToString()));
            }

            if (testConfig && action != ServiceAction.Stop)
            {
                var test = await TestConfigAsync(name).ConfigureAwait(false);
                if (test.Valid == false)
                {
                    return (Result(name, action, before.State, before.State, false, clock, string.Empty, test.Output), ServiceErrors.ConfigInvalid(Host, name, test.Command!, test.Output));
                }
            }

            if (action != ServiceAction.Stop && before.AutoRestarting)
            {
                return (Result(name, action, before.State, before.State, false, clock, string.Empty, string.Empty), ServiceErrors.AutoRestarting(Host, name, before.Restarts));
            }

            if (resetFailed && manager == ServiceManager.Systemd && action != ServiceAction.Stop && before.State == ServiceState.Failed)
            {
                var reset = await RunAsync(Privileged(ServiceCommands.ResetFailed(name), CommandRequest.QueryTimeout)).ConfigureAwait(false);
                if (!reset.Succeeded)
                {
                    return (Result(name, action, before.State, before.State, false, clock, reset.Output, reset.Error), ServiceErrors.ActionFailed(Host, name, "reset-failed", reset.ExitCode, reset.Error + reset.Output));
                }
            }

            var run = await RunAsync(Privileged(ServiceCommands.Action(manager, name, action), timeout)).ConfigureAwait(false);
            if (!run.Succeeded)
            {
                var after = await StatusAsync(manager, name).ConfigureAwait(false);
                var error = after.StartLimitHit || (manager == ServiceManager.Systemd && await StartLimitLoggedAsync(name).ConfigureAwait(false))
                    ? ServiceErrors.StartLimitHit(Host, name, after.StartLimitBurst, after.StartLimitInterval)
                    : ServiceErrors.ActionFailed(Host, name, action.ToString(), run.ExitCode, run.Error + run.Output);
                return (Result(name, action, before.State, after.State, false, clock, run.Output, run.Error), error);
            }

            var wanted = action == ServiceAction.Stop ? ServiceState.Stopped : ServiceState.Running;
            var current = await StatusAsync(manager, name).ConfigureAwait(false);

            // A unit at its start limit will not come back by waiting: systemd refuses every start until reset-failed.
            while (wait && current.State != wanted && !current.StartLimitHit && clock.Elapsed < timeout)
            {
                await Task.Delay(PollInterval, _stop).ConfigureAwait(false);
                current = await StatusAsync(manager, name).ConfigureAwait(false);
            }

            var reached = !wait || current.State == wanted;
            var missed = reached ? null
                : current.StartLimitHit ? ServiceErrors.StartLimitHit(Host, name, current.StartLimitBurst, current.StartLimitInterval)
                : ServiceErrors.StateTimeout(Host, name, wanted.ToString(), current.State.ToString(), timeout);
            return (Result(name, action, before.State, current.State, reached, clock, run.Output, run.Error), missed);
        }

        /// <summary>Whether the unit's journal says its last start was refused for the start limit; a journal that cannot be read says nothing.</summary>
        private async Task<bool> StartLimitLoggedAsync(string name)
        {
            try
            {
                var log = await LogAsync(ServiceManager.Systemd, name, ServiceCommands.StartLimitJournalLines, null, 16 * 1024).ConfigureAwait(false);
                return ServiceCommands.SaysStartLimitHit(log.Output);
            }
            catch (SentinelException)
            {
                return false;
            }
        }

        /// <summary>Runs a health check as the login user (no sudo), bounded by <paramref name="timeout"/>; a timeout is CommandTimeout.</summary>
        public Task<CommandResult> RunHealthCommandAsync(string command, TimeSpan timeout) =>
            RunAsync(new CommandRequest(command) { Timeout = timeout, MaxOutputBytes = HealthOutputBytes });

        /// <summary>What a health command's result keeps of its output: enough for the reason.</summary>
        private const long HealthOutputBytes = 64 * 1024;

        // The safe sudo path: first without a password, the login password only after sudo's own prompt.
        private static CommandRequest Privileged(string command, TimeSpan timeout) => new CommandRequest(command)
        {
            Sudo = true,
            Timeout = timeout,
        };

        private ServiceActionResult Result(string name, ServiceAction action, ServiceState before, ServiceState after, bool succeeded, Stopwatch clock, string output, string error) =>
            new ServiceActionResult(Host, name, action, before, after, succeeded, clock.Elapsed, output, error);
    }
}
