using System;
using System.Globalization;
using System.Management.Automation;

namespace Sentinel.Errors
{
    /// <summary>Service and container failures, each naming the host and what to do next.</summary>
    internal static class ServiceErrors
    {
        public static SentinelException InvalidName(string name) => new SentinelException(
            ErrorIds.InvalidServiceName,
            ErrorCategory.InvalidArgument,
            null,
            $"'{name}' is not a valid service name: only letters, digits and : - _ . \\ @ are allowed, and it must not start with '-'. Nothing was run.",
            "Pass the service's unit or init script name, such as nginx or nginx.service.");

        public static SentinelException ConfigTestUnknown(string name, string action) => new SentinelException(
            ErrorIds.ServiceConfigTestUnknown,
            ErrorCategory.InvalidArgument,
            null,
            $"Sentinel knows no configuration test for '{name}' (it knows nginx, sshd, apache2/httpd and haproxy), so -TestConfig cannot vouch for it; nothing was done ({action}).",
            "Run without -TestConfig to act anyway, after checking the configuration yourself (Invoke-SentinelCommand can run the service's own check).");

        public static SentinelException NotFound(string computerName, string name, string action) => new SentinelException(
            ErrorIds.ServiceNotFound,
            ErrorCategory.ObjectNotFound,
            computerName,
            $"There is no service '{name}' on {computerName}; nothing was done ({action}).",
            "Check the name with Get-SentinelService, or the manager with -Manager.");

        public static SentinelException ConfigInvalid(string computerName, string name, string command, string output) => new SentinelException(
            ErrorIds.ServiceConfigInvalid,
            ErrorCategory.InvalidData,
            computerName,
            $"The configuration of '{name}' on {computerName} fails its test ({command}), so Sentinel left the service as it was: {output.Trim()}",
            "Fix the configuration on the host (Test-SentinelServiceConfig shows the test's output), then try again.");

        public static SentinelException ActionFailed(string computerName, string name, string action, int? exitCode, string output) => new SentinelException(
            ErrorIds.ServiceActionFailed,
            ErrorCategory.InvalidResult,
            computerName,
            $"{action} of '{name}' on {computerName} failed (exit {(exitCode.HasValue ? exitCode.Value.ToString(CultureInfo.InvariantCulture) : "by signal")}): {output.Trim()}",
            $"Check the service's log on {computerName}; the result's Output and Error hold what the manager said.");

        public static SentinelException LogFailed(string computerName, string name, string command, int? exitCode, string error) => new SentinelException(
            ErrorIds.ServiceLogFailed,
            ErrorCategory.ReadError,
            computerName,
            $"Reading the log of '{name}' on {computerName} ({command}) failed (exit {(exitCode.HasValue ? exitCode.Value.ToString(CultureInfo.InvariantCulture) : "by signal")}): {error.Trim()}",
            "Check that the user may read the log (or run the command under sudo: -SudoCredential).");

        public static SentinelException StateTimeout(string computerName, string name, string wanted, string last, TimeSpan timeout) => new SentinelException(
            ErrorIds.ServiceStateTimeout,
            ErrorCategory.OperationTimeout,
            computerName,
            $"'{name}' on {computerName} did not reach {wanted} within {timeout.TotalSeconds:0.##} s (last seen: {last}).",
            "Check the service's log on the host, or give it longer with -Timeout.");

        public static SentinelException StartLimitHit(string computerName, string name, int? burst, string? interval) => new SentinelException(
            ErrorIds.ServiceStartLimitHit,
            ErrorCategory.LimitsExceeded,
            computerName,
            $"systemd on {computerName} refused to start '{name}': start request repeated too quickly (start-limit-hit: {(burst.HasValue ? burst.Value.ToString(CultureInfo.InvariantCulture) : "?")} starts within {interval ?? "?"}, the unit's StartLimitBurst and StartLimitIntervalSec).",
            $"Find why '{name}' keeps stopping (its journal), then start it again with -ResetFailed, which runs systemctl reset-failed first, within Sentinel's restart budget.");

        public static SentinelException AutoRestarting(string computerName, string name, int? restarts) => new SentinelException(
            ErrorIds.ServiceAutoRestarting,
            ErrorCategory.ResourceBusy,
            computerName,
            $"systemd on {computerName} is restarting '{name}' itself (auto-restart{(restarts.HasValue ? $", {restarts.Value.ToString(CultureInfo.InvariantCulture)} restart(s) so far" : string.Empty)}), so Sentinel did not start it a second time.",
            "Let systemd's own restart finish, then check the service again; its journal says why it stopped.");

        public static SentinelException Unhealthy(string computerName, string name, string reason) => new SentinelException(
            ErrorIds.ServiceUnhealthy,
            ErrorCategory.InvalidResult,
            computerName,
            $"'{name}' on {computerName} was restarted but failed its health gate: {reason}",
            "Check the service's log on the host; the result's Reason says which check failed.");

        public static SentinelException InvalidContainerName(string name) => new SentinelException(
            ErrorIds.InvalidContainerName,
            ErrorCategory.InvalidArgument,
            null,
            $"'{name}' is not a valid container name or id: it must start with a letter or digit and hold only letters, digits and _ . -. Nothing was run.",
            "Pass the container's name or id as docker ps shows it.");

        public static SentinelException ContainerNotFound(string computerName, string name) => new SentinelException(
            ErrorIds.ContainerNotFound,
            ErrorCategory.ObjectNotFound,
            computerName,
            $"There is no container '{name}' on {computerName}.",
            "List the containers with Get-SentinelContainer.");

        public static SentinelException DockerFailed(string computerName, string command, int? exitCode, string error) => new SentinelException(
            ErrorIds.ContainerCommandFailed,
            ErrorCategory.InvalidResult,
            computerName,
            $"'{command}' on {computerName} failed (exit {(exitCode.HasValue ? exitCode.Value.ToString(CultureInfo.InvariantCulture) : "by signal")}): {error.Trim()}",
            "Check that docker runs on the host and that the user may use it (the docker group).");
    }
}
