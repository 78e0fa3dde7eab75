using System;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Remediation
{
    /// <summary>How Repair- and Watch-SentinelService treat each service.</summary>
    internal sealed class RemediationOptions
    {
        /// <summary>Gate on the configuration test when Sentinel knows one for the service.</summary>
        public bool TestConfig { get; set; } = true;

        /// <summary>How long a started service must stay Running to count as repaired.</summary>
        public TimeSpan Settle { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>How long the start or restart may take to reach Running.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Ignore the restart budget (restarts are still counted).</summary>
        public bool Force { get; set; }

        /// <summary>The init system to use; null detects it once per session.</summary>
        public ServiceManager? Manager { get; set; }

        /// <summary>Run systemctl reset-failed before starting a failed unit (once the restart budget allowed the start).</summary>
        public bool ResetFailed { get; set; }

        public const int LogLines = 50;

        /// <summary>What the diagnostics keep of the log.</summary>
        public const long LogBytes = 64 * 1024;

        /// <summary>How often the settle time checks that the service still runs.</summary>
        public static readonly TimeSpan SettlePoll = TimeSpan.FromMilliseconds(500);
    }

    /// <summary>
    /// The one remediation path, for Repair- and Watch-SentinelService alike: read the state; leave a
    /// Running service alone; otherwise capture diagnostics (state and the last log lines), respect the
    /// restart budget, gate on the configuration test, start (when Stopped) or restart, and verify that
    /// the service reaches Running and stays Running for the settle time.
    /// </summary>
    internal sealed class Remediator
    {
        private readonly RestartBudget _budget;
        private readonly RemediationOptions _options;
        private readonly IClock _clock;

        public Remediator(RestartBudget budget, RemediationOptions options, IClock clock)
        {
            _budget = budget;
            _options = options;
            _clock = clock;
        }

        public RestartBudget Budget => _budget;

        public RemediationOptions Options => _options;

        /// <summary>Repairs one service; every failure becomes the result's Failed action with its reason, never an exception (except a stop).</summary>
        public async Task<RemediationResult> RepairAsync(ServiceController services, string computerName, string name, int batch, CancellationToken cancellationToken)
        {
            var started = DateTime.Now;
            var clock = Stopwatch.StartNew();
            var before = ServiceState.Unknown;
            var diagnostics = string.Empty;
            RemediationResult Result(RemediationAction action, ServiceState after, string reason) =>
                new RemediationResult(computerName, name, before, action, after, reason, diagnostics, started, clock.Elapsed, batch);

            try
            {
                var manager = await services.ManagerAsync(_options.Manager).ConfigureAwait(false);
                var status = await services.StatusAsync(manager, name).ConfigureAwait(false);
                before = status.State;
                switch (before)
                {
                    case ServiceState.Running:
                        return Result(RemediationAction.NoAction, before, "Running: nothing to do");
                    case ServiceState.NotFound:
                        return Result(RemediationAction.Failed, before, $"NotFound: there is no service '{name}' on {computerName} ({manager})");
                }

                if (status.AutoRestarting)
                {
                    var busy = ServiceErrors.AutoRestarting(computerName, name, status.Restarts);
                    return Result(RemediationAction.Skipped, before, $"{Word(busy)}: {busy.Message}");
                }

                // Restarts systemd made itself count against the budget too, so Sentinel never adds a storm to systemd's.
                var systemdRestarts = status.Restarts ?? 0;
                diagnostics = await DiagnoseAsync(services, manager, status).ConfigureAwait(false);
                if (!_options.Force && !(_budget.Check(computerName, name, systemdRestarts) is var check && check.Allowed))
                {
                    return Result(RemediationAction.Skipped, before, BudgetExhausted(name, computerName, check));
                }

                if (_options.TestConfig && ConfigTests.For(name) != null)
                {
                    var test = await services.TestConfigAsync(name).ConfigureAwait(false);
                    if (test.Valid == false)
                    {
                        return Result(RemediationAction.Refused, before, $"ConfigInvalid: {test.Command} failed (exit {test.ExitCode}), so nothing was restarted: {FirstLines(test.Output, 5)}");
                    }
                }

                if (!_budget.TryTake(computerName, name, _options.Force, systemdRestarts, out var taken))
                {
                    return Result(RemediationAction.Skipped, before, BudgetExhausted(name, computerName, taken));
                }

                var action = before == ServiceState.Stopped ? ServiceAction.Start : ServiceAction.Restart;
                var done = before == ServiceState.Stopped ? RemediationAction.Started : RemediationAction.Restarted;
                var (acted, error) = await services.ActAsync(manager, name, action, testConfig: false, wait: true, _options.Timeout, _options.ResetFailed).ConfigureAwait(false);
                if (error != null)
                {
                    diagnostics += await AfterwardsAsync(services, manager, name).ConfigureAwait(false);
                    return Result(RemediationAction.Failed, acted.StateAfter, $"{Word(error)}: {error.Message}");
                }

                var settleStart = _clock.UtcNow;
                var deadline = settleStart + _options.Settle;
                while (_clock.UtcNow < deadline)
                {
                    var left = deadline - _clock.UtcNow;
                    await _clock.Delay(left < RemediationOptions.SettlePoll ? left : RemediationOptions.SettlePoll, cancellationToken).ConfigureAwait(false);
                    var now = await services.StatusAsync(manager, name).ConfigureAwait(false);
                    if (now.State != ServiceState.Running)
                    {
                        diagnostics += await AfterwardsAsync(services, manager, name).ConfigureAwait(false);
                        var after = (_clock.UtcNow - settleStart).TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
                        return Result(RemediationAction.Failed, now.State, $"DiedAfterStart: {action.ToString().ToLowerInvariant()}ed and Running, then {now.State} {after} s later, within the {_options.Settle.TotalSeconds:0.#} s settle time");
                    }
                }

                return Result(done, ServiceState.Running, $"{before}: {action.ToString().ToLowerInvariant()}ed, and Running for {_options.Settle.TotalSeconds:0.#} s (restart {taken.Used} of {taken.Limit} in {Minutes(_budget.Window)})");
            }
            catch (SentinelException e)
            {
                return Result(RemediationAction.Failed, ServiceState.Unknown, $"{Word(e)}: {e.Message}");
            }
        }

        /// <summary>What the plan of -WhatIf says would happen to a service, without asking the host anything.</summary>
        public string Plan(string computerName, string name)
        {
            var budget = _budget.Check(computerName, name);
            var test = _options.TestConfig && ConfigTests.For(name) is string command ? $"test the configuration ({command}), then " : string.Empty;
            var limit = _options.Force ? "-Force: budget ignored" : budget.Allowed
                ? $"restart budget: {budget.Used} of {budget.Limit} used in {Minutes(_budget.Window)}"
                : BudgetExhausted(name, computerName, budget) + "; it would be Skipped";
            return $"{name}: when not Running, {test}start it (Stopped) or restart it, and check it stays Running for {_options.Settle.TotalSeconds:0.#} s ({limit})";
        }

        private static string BudgetExhausted(string name, string computerName, BudgetStatus status) =>
            $"BudgetExhausted: {status.Used} restart(s) of {name} on {computerName} already, the budget is {status.Limit}"
            + (status.SystemdRestarts > 0 ? $" (of them {status.SystemdRestarts} by systemd itself)" : string.Empty)
            + (status.NextAllowedUtc is DateTime next ? $"; the next is allowed after {next.ToLocalTime():yyyy-MM-dd HH:mm:ss}" : string.Empty);

        private static string Minutes(TimeSpan window) => $"{window.TotalMinutes:0.##} min";

        /// <summary>The stable word a reason starts with, from an error id: Sentinel.SudoNotAllowed gives SudoNotAllowed.</summary>
        private static string Word(SentinelException error) => error.ErrorId.StartsWith("Sentinel.", StringComparison.Ordinal) ? error.ErrorId.Substring("Sentinel.".Length) : error.ErrorId;

        private static async Task<string> DiagnoseAsync(ServiceController services, ServiceManager manager, ServiceStatus status)
        {
            var text = new StringBuilder($"State: {status.State} ({manager})");
            if (status.SubState != null)
            {
                text.Append($", SubState {status.SubState}");
            }

            if (status.MainPid.HasValue)
            {
                text.Append($", MainPid {status.MainPid}");
            }

            if (status.Since.HasValue)
            {
                text.Append($", since {status.Since.Value:yyyy-MM-dd HH:mm:ss} UTC");
            }

            return text.Append('\n').Append(await LogTextAsync(services, manager, status.Name).ConfigureAwait(false)).ToString();
        }

        private static async Task<string> AfterwardsAsync(ServiceController services, ServiceManager manager, string name) =>
            "\nAfter the attempt:\n" + await LogTextAsync(services, manager, name).ConfigureAwait(false);

        /// <summary>The log's last lines; a log that cannot be read is a line in the diagnostics, never the repair's failure.</summary>
        private static async Task<string> LogTextAsync(ServiceController services, ServiceManager manager, string name)
        {
            try
            {
                var log = await services.LogAsync(manager, name, RemediationOptions.LogLines, null, RemediationOptions.LogBytes).ConfigureAwait(false);
                return $"Log ({log.Source}, last {RemediationOptions.LogLines} lines{(log.Truncated ? ", truncated" : string.Empty)}):\n{log.Output.TrimEnd('\n')}";
            }
            catch (SentinelException e)
            {
                return $"Log: not read ({e.ErrorId}): {e.Message}";
            }
        }

        private static string FirstLines(string text, int count)
        {
            var lines = text.Trim().Split('\n');
            return string.Join(" | ", lines, 0, Math.Min(count, lines.Length)).Replace("\r", string.Empty);
        }
    }
}
