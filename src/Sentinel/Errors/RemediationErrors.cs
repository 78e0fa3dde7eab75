using System;
using System.Management.Automation;

namespace Sentinel.Errors
{
    /// <summary>Failures of service logs, repairs and watches, each naming what to do next.</summary>
    internal static class RemediationErrors
    {
        public static SentinelException LogUnknown(string computerName, string name, string manager) => new SentinelException(
            ErrorIds.ServiceLogUnknown,
            ErrorCategory.ObjectNotFound,
            computerName,
            $"Sentinel knows no log for '{name}' on {computerName} ({manager}): without systemd's journal it reads only the log files of the services it knows (nginx, ssh/sshd, apache2/httpd, haproxy, docker), and none of them exists there.",
            "Read the service's own log file with Invoke-SentinelCommand (tail -n 50 FILE, with -Sudo when it is root's).");

        public static SentinelException NoServices(string computerName) => new SentinelException(
            ErrorIds.NoServiceToRepair,
            ErrorCategory.InvalidArgument,
            computerName,
            $"No service is named for {computerName}: -Name was not given and the inventory lists no services for it. Nothing was done there.",
            "Pass the services with -Name, or record them with Add-SentinelServer -Service (with -Force to replace the entry).");

        public static SentinelException BreakerTripped(string reason, int skipped) => new SentinelException(
            ErrorIds.RemediationBreakerTripped,
            ErrorCategory.LimitsExceeded,
            null,
            $"The breaker tripped: {reason}. " + (skipped == 0 ? "No host was left to skip." : $"{(skipped == 1 ? "1 host was" : $"{skipped} hosts were")} not touched (results with Action Skipped)."),
            "Look at the Failed and Refused results (their Diagnostics hold the state and the last log lines), fix the cause, then run again; -MaxFailure allows more failures.");

        public static SentinelException RollStopped(string reason, int skipped) => new SentinelException(
            ErrorIds.RemediationBreakerTripped,
            ErrorCategory.LimitsExceeded,
            null,
            $"The rolling restart stopped: {reason}. {(skipped == 1 ? "1 host was" : $"{skipped} hosts were")} not restarted (results with Outcome Skipped).",
            "Look at the Failed results (their Reason says what the restart or the health gate saw), fix the cause, then restart the Skipped hosts; -MaxFailure allows more failures.");

        public static SentinelException WatchBreakerTripped(string reason) => new SentinelException(
            ErrorIds.RemediationBreakerTripped,
            ErrorCategory.LimitsExceeded,
            null,
            $"The breaker tripped: {reason}. Watch-SentinelService goes on watching but repairs nothing more in this run.",
            "Look at the Failed and Refused results, fix the cause, then start the watch again; -MaxFailure allows more failures.");

        public static SentinelException StateInvalid(string path, string problem, Exception? inner = null) => new SentinelException(
            ErrorIds.RemediationStateInvalid,
            ErrorCategory.InvalidData,
            path,
            $"The remediation state file '{path}' (the restart budgets) cannot be used: {problem}. Nothing was restarted.",
            "Fix or delete the file (deleting it forgets the restarts it counted), then run again.",
            inner);
    }
}
