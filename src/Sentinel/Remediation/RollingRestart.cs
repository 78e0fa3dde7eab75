using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Remediation
{
    /// <summary>How Restart-SentinelService rolls and judges each host.</summary>
    internal sealed class RollingRestartOptions
    {
        /// <summary>Test the configuration first and refuse to restart when it fails.</summary>
        public bool TestConfig { get; set; }

        /// <summary>How long the restart may take to reach Running.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>How long the service must stay Running, with the same main process, after the restart.</summary>
        public TimeSpan Settle { get; set; } = TimeSpan.Zero;

        /// <summary>A command run on the host as the login user after the settle time, which must exit 0; null for none.</summary>
        public string? HealthCommand { get; set; }

        public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>Clear a failed systemd unit (systemctl reset-failed) before restarting it.</summary>
        public bool ResetFailed { get; set; }

        /// <summary>The init system to use; null detects it once per session.</summary>
        public ServiceManager? Manager { get; set; }
    }

    /// <summary>One host of a rolling restart: its name and a way to its service controller, opened (or reopened) when asked.</summary>
    internal sealed class RestartTarget
    {
        public RestartTarget(string computerName, Func<CancellationToken, Task<ServiceController>> open)
        {
            ComputerName = computerName;
            Open = open;
        }

        public string ComputerName { get; }

        public Func<CancellationToken, Task<ServiceController>> Open { get; }
    }

    /// <summary>
    /// Restart-SentinelService's roll: the hosts in batches (a ramp, as Ansible's serial), -ThrottleLimit
    /// of a batch at a time and never more than -MaxUnavailable hosts down at once (counting the hosts
    /// down before the roll). Each restart is followed by the health gate: the service Running with the
    /// same main process for the settle time, then the health command exiting 0. A host failing its
    /// restart or its gate counts against -MaxFailure; once the breaker is open (or the first batch,
    /// the canary, failed) every host not yet reached is Skipped with the reason.
    /// </summary>
    internal sealed class RollingRestart
    {
        private readonly IReadOnlyList<string> _names;
        private readonly RollingRestartOptions _options;
        private readonly IClock _clock;
        private readonly Action<ServiceActionResult> _write;
        private readonly Action<SentinelException> _error;
        private int _skipped;

        /// <param name="write">Takes each result (any thread).</param>
        /// <param name="error">Takes each error to report beside a result (any thread).</param>
        public RollingRestart(IReadOnlyList<string> names, RollingRestartOptions options, IClock clock, Action<ServiceActionResult> write, Action<SentinelException> error)
        {
            _names = names;
            _options = options;
            _clock = clock;
            _write = write;
            _error = error;
        }

        /// <summary>Hosts skipped (each once, whatever the number of services).</summary>
        public int SkippedHosts => Volatile.Read(ref _skipped);

        /// <summary>Rolls through <paramref name="batches"/>; with <paramref name="maxUnavailable"/>, asks every host's state first.</summary>
        public async Task RunAsync(IReadOnlyList<List<RestartTarget>> batches, CircuitBreaker breaker, int throttle, int? maxUnavailable, CancellationToken cancellationToken)
        {
            UnavailabilityGate? gate = null;
            var downBefore = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (maxUnavailable.HasValue)
            {
                downBefore.UnionWith(await DownHostsAsync(batches.SelectMany(b => b).ToList(), throttle, cancellationToken).ConfigureAwait(false));
                gate = new UnavailabilityGate(maxUnavailable.Value, downBefore);
            }

            await Rollout.RunAsync(batches, breaker, throttle, async (host, batch) =>
            {
                if (gate != null && !await gate.EnterAsync(host.ComputerName, cancellationToken).ConfigureAwait(false))
                {
                    var down = gate.Down.OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList();
                    Skip(host, batch, $"MaxUnavailable: {down.Count} host(s) are down ({string.Join(", ", down)}) and none is restarting, and -MaxUnavailable allows {gate.Limit}");
                    return false;
                }

                // The breaker may have opened while this host waited for room under -MaxUnavailable.
                if (gate != null && breaker.Tripped)
                {
                    gate.Leave(host.ComputerName, healthy: !downBefore.Contains(host.ComputerName));
                    Skip(host, batch, "BreakerTripped: " + breaker.Reason);
                    return false;
                }

                var failed = await RestartAsync(host, batch).ConfigureAwait(false);
                gate?.Leave(host.ComputerName, healthy: !failed);
                return failed;
            }, (host, batch, reason) => Skip(host, batch, "BreakerTripped: " + reason), host => host.ComputerName, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The hosts where any of the services is not Running (or that cannot be reached), asked throttle at a time.</summary>
        private async Task<List<string>> DownHostsAsync(IReadOnlyList<RestartTarget> hosts, int throttle, CancellationToken cancellationToken)
        {
            var down = new List<string>();
            using (var slots = new SemaphoreSlim(throttle))
            {
                await Task.WhenAll(hosts.Select(async host =>
                {
                    await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        var controller = await host.Open(cancellationToken).ConfigureAwait(false);
                        var manager = await controller.ManagerAsync(_options.Manager).ConfigureAwait(false);
                        foreach (var name in _names)
                        {
                            if ((await controller.StatusAsync(manager, name).ConfigureAwait(false)).State != ServiceState.Running)
                            {
                                lock (down)
                                {
                                    down.Add(host.ComputerName);
                                }

                                break;
                            }
                        }
                    }
                    catch (SentinelException)
                    {
                        // Unreachable counts as down here; its restart reports the error.
                        lock (down)
                        {
                            down.Add(host.ComputerName);
                        }
                    }
                    finally
                    {
                        slots.Release();
                    }
                })).ConfigureAwait(false);
            }

            return down;
        }

        /// <summary>Restarts and gates each service of one host; true when any failed.</summary>
        private async Task<bool> RestartAsync(RestartTarget host, int batch)
        {
            ServiceController controller;
            ServiceManager manager;
            try
            {
                // Not the stop's token for the work itself: a started host finishes (Rollout's rule).
                controller = await host.Open(CancellationToken.None).ConfigureAwait(false);
                manager = await controller.ManagerAsync(_options.Manager).ConfigureAwait(false);
            }
            catch (SentinelException e)
            {
                _error(e);
                foreach (var name in _names)
                {
                    _write(new ServiceActionResult(host.ComputerName, name, ServiceAction.Restart, ServiceState.Unknown, ServiceState.Unknown, ServiceActionOutcome.Failed, $"{Word(e)}: {e.Message}", batch, TimeSpan.Zero, string.Empty, string.Empty));
                }

                return true;
            }

            var failed = false;
            foreach (var name in _names)
            {
                try
                {
                    var (result, error) = await controller.ActAsync(manager, name, ServiceAction.Restart, _options.TestConfig, true, _options.Timeout, _options.ResetFailed).ConfigureAwait(false);
                    if (error != null)
                    {
                        failed = true;
                        _write(result.With(ServiceActionOutcome.Failed, $"{Word(error)}: {error.Message}", batch));
                        _error(error);
                        continue;
                    }

                    var unhealthy = await HealthGateAsync(controller, manager, name).ConfigureAwait(false);
                    if (unhealthy != null)
                    {
                        failed = true;
                        _write(result.With(ServiceActionOutcome.Failed, "Unhealthy: " + unhealthy, batch));
                        _error(ServiceErrors.Unhealthy(host.ComputerName, name, unhealthy));
                        continue;
                    }

                    _write(result.With(ServiceActionOutcome.Succeeded, Healthy(), batch));
                }
                catch (SentinelException e)
                {
                    failed = true;
                    _write(new ServiceActionResult(host.ComputerName, name, ServiceAction.Restart, ServiceState.Unknown, ServiceState.Unknown, ServiceActionOutcome.Failed, $"{Word(e)}: {e.Message}", batch, TimeSpan.Zero, string.Empty, string.Empty));
                    _error(e);
                }
            }

            return failed;
        }

        /// <summary>
        /// Null when healthy; otherwise what failed. The service must stay Running with the main process
        /// it had right after the restart (where the manager tracks one) for the settle time, then the
        /// health command must exit 0 within its timeout.
        /// </summary>
        private async Task<string?> HealthGateAsync(ServiceController controller, ServiceManager manager, string name)
        {
            var first = await controller.StatusAsync(manager, name).ConfigureAwait(false);
            if (first.State != ServiceState.Running)
            {
                return $"{first.State} right after the restart";
            }

            var settleStart = _clock.UtcNow;
            var deadline = settleStart + _options.Settle;
            while (_clock.UtcNow < deadline)
            {
                var left = deadline - _clock.UtcNow;
                await _clock.Delay(left < RemediationOptions.SettlePoll ? left : RemediationOptions.SettlePoll, CancellationToken.None).ConfigureAwait(false);
                var now = await controller.StatusAsync(manager, name).ConfigureAwait(false);
                var after = (_clock.UtcNow - settleStart).TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
                if (now.State != ServiceState.Running)
                {
                    return $"Running after the restart, then {now.State} {after} s later, within the {Seconds(_options.Settle)} s settle time";
                }

                if (first.MainPid.HasValue && now.MainPid != first.MainPid)
                {
                    return $"its main process changed from {first.MainPid} to {(now.MainPid.HasValue ? now.MainPid.Value.ToString(CultureInfo.InvariantCulture) : "none")} {after} s after the restart, within the {Seconds(_options.Settle)} s settle time (it restarted again)";
                }
            }

            if (_options.HealthCommand == null)
            {
                return null;
            }

            CommandResult check;
            try
            {
                check = await controller.RunHealthCommandAsync(_options.HealthCommand, _options.HealthTimeout).ConfigureAwait(false);
            }
            catch (SentinelException e) when (e.ErrorId == ErrorIds.CommandTimeout)
            {
                return $"the health command did not finish within {Seconds(_options.HealthTimeout)} s";
            }

            return check.Succeeded ? null
                : $"the health command exited {(check.ExitCode.HasValue ? check.ExitCode.Value.ToString(CultureInfo.InvariantCulture) : "by signal " + check.ExitSignal)}: {FirstLine(check.Error + check.Output)}";
        }

        private string Healthy() =>
            $"restarted; Running{(_options.Settle > TimeSpan.Zero ? $" with the same main process for {Seconds(_options.Settle)} s" : string.Empty)}{(_options.HealthCommand != null ? ", and the health command exited 0" : string.Empty)}";

        private void Skip(RestartTarget host, int batch, string reason)
        {
            Interlocked.Increment(ref _skipped);
            foreach (var name in _names)
            {
                _write(new ServiceActionResult(host.ComputerName, name, ServiceAction.Restart, ServiceState.Unknown, ServiceState.Unknown, ServiceActionOutcome.Skipped, reason, batch, TimeSpan.Zero, string.Empty, string.Empty));
            }
        }

        private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

        private static string FirstLine(string text)
        {
            var line = text.Trim().Split('\n')[0].TrimEnd('\r');
            return line.Length > 200 ? line.Substring(0, 200) + "..." : line;
        }

        /// <summary>The stable word a reason starts with, from an error id: Sentinel.ServiceStartLimitHit gives ServiceStartLimitHit.</summary>
        private static string Word(SentinelException error) => error.ErrorId.StartsWith("Sentinel.", StringComparison.Ordinal) ? error.ErrorId.Substring("Sentinel.".Length) : error.ErrorId;
    }
}
