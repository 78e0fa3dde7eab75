using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Sentinel.Execution;
using Sentinel.Results;

namespace Sentinel.Services
{
    /// <summary>
    /// The command lines each manager needs and how to read their answers. State comes from exit codes
    /// (SysV, OpenRC) or systemctl's machine-readable properties, never from wording.
    /// </summary>
    internal static class ServiceCommands
    {
        /// <summary>Exit codes of <see cref="DetectManager"/>; nothing else is printed or parsed.</summary>
        public const int SystemdExit = 10;
        public const int OpenRcExit = 11;
        public const int SysVExit = 12;

        // service and rc-service live in sbin, which is not on a normal user's PATH.
        private const string SbinPath = "PATH=\"$PATH:/usr/sbin:/sbin\" ";

        /// <summary>systemd when /run/systemd/system exists (systemd's own test), else OpenRC, else SysV.</summary>
        public const string DetectManager =
            "if [ -d /run/systemd/system ]; then exit 10; fi; " +
            "if [ -d /run/openrc ] || [ -x /sbin/openrc-run ]; then exit 11; fi; exit 12";

        public static ServiceManager? ManagerFromExitCode(int? exitCode)
        {
            switch (exitCode)
            {
                case SystemdExit: return ServiceManager.Systemd;
                case OpenRcExit: return ServiceManager.OpenRC;
                case SysVExit: return ServiceManager.SysV;
                default: return null;
            }
        }

        public const string SystemdProperties = "Id,LoadState,ActiveState,SubState,MainPID,ActiveEnterTimestamp,Result,NRestarts,StartLimitBurst,StartLimitIntervalUSec";

        public static string Status(ServiceManager manager, string name)
        {
            var quoted = ShellQuote.Quote(manager == ServiceManager.Systemd ? name : ServiceName.Bare(name));
            switch (manager)
            {
                case ServiceManager.Systemd:
                    // TZ=UTC makes the timestamps UTC, so they parse without guessing a zone name.
                    return $"TZ=UTC systemctl show -p {SystemdProperties} -- {quoted}";
                case ServiceManager.OpenRC:
                    return SbinPath + $"rc-service {quoted} status";
                default:
                    return SbinPath + $"service {quoted} status";
            }
        }

        /// <summary>
        /// Whether the unit's last journal lines say systemd refused a start for its start limit. systemd
        /// (252) keeps the unit's earlier Result (exit-code) when its own restarts ran into the limit, and
        /// systemctl then says only that the job failed; PID 1 logs these fixed, untranslated words.
        /// </summary>
        public static bool SaysStartLimitHit(string journal) =>
            journal.IndexOf("Start request repeated too quickly", StringComparison.Ordinal) >= 0;

        /// <summary>How many of the unit's last journal lines are read to see a start-limit refusal: it logs the words, the result, then "Failed to start".</summary>
        public const int StartLimitJournalLines = 3;

        /// <summary>Clears a failed unit's state and start-limit counter (systemd only), run under sudo before a start.</summary>
        public static string ResetFailed(string name) => $"systemctl reset-failed -- {ShellQuote.Quote(name)}";

        /// <summary>Whether an init script exists: asked only when the status exit code leaves it open.</summary>
        public static string InitScriptExists(string name) => $"test -e /etc/init.d/{ShellQuote.Quote(ServiceName.Bare(name))}";

        /// <summary>The action's command line, run under sudo; the program comes first so sudoers rules match it.</summary>
        public static string Action(ServiceManager manager, string name, ServiceAction action)
        {
            var verb = action.ToString().ToLowerInvariant();
            switch (manager)
            {
                case ServiceManager.Systemd:
                    return $"systemctl {verb} -- {ShellQuote.Quote(name)}";
                case ServiceManager.OpenRC:
                    return $"rc-service {ShellQuote.Quote(ServiceName.Bare(name))} {verb}";
                default:
                    return $"/usr/sbin/service {ShellQuote.Quote(ServiceName.Bare(name))} {verb}";
            }
        }

        /// <summary>LSB status exit codes: 0 running, 1 and 2 dead with a pid or lock file left, 3 stopped, 4 unknown.</summary>
        public static ServiceState FromLsbExitCode(int? exitCode)
        {
            switch (exitCode)
            {
                case 0: return ServiceState.Running;
                case 1:
                case 2: return ServiceState.Failed;
                case 3: return ServiceState.Stopped;
                default: return ServiceState.Unknown;
            }
        }

        /// <summary>OpenRC's rc-service status: 0 started, 3 stopped, 32 crashed.</summary>
        public static ServiceState FromOpenRcExitCode(int? exitCode)
        {
            switch (exitCode)
            {
                case 0: return ServiceState.Running;
                case 3: return ServiceState.Stopped;
                case 32: return ServiceState.Failed;
                default: return ServiceState.Unknown;
            }
        }

        /// <summary>Whether a status exit code is a definite answer, or the init script's existence must be asked.</summary>
        public static bool IsDefinite(ServiceManager manager, int? exitCode) =>
            exitCode == 0 || exitCode == 3 || (manager == ServiceManager.OpenRC && exitCode == 32) || (manager == ServiceManager.SysV && exitCode == 4);

        /// <summary>
        /// Reads <c>systemctl show -p ...</c> output (KEY=VALUE lines) into a status. Whatever the host
        /// prints, this never throws: a line without '=' is skipped, a missing or unknown state reads as
        /// Unknown, a PID that is not a number as none, and a SubState that is not a systemd word
        /// (letters, digits, '-', at most 64) as none.
        /// </summary>
        public static ServiceStatus ParseSystemctlShow(string computerName, string name, string output)
        {
            var properties = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var raw in output.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                var equals = line.IndexOf('=');
                if (equals > 0)
                {
                    properties[line.Substring(0, equals)] = line.Substring(equals + 1);
                }
            }

            properties.TryGetValue("LoadState", out var loadState);
            properties.TryGetValue("ActiveState", out var activeState);
            properties.TryGetValue("SubState", out var subState);
            var state = loadState == "not-found" ? ServiceState.NotFound : FromActiveState(activeState);
            int? mainPid = properties.TryGetValue("MainPID", out var pidText) && int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : (int?)null;
            var since = properties.TryGetValue("ActiveEnterTimestamp", out var stamp) ? ParseSystemdTimestamp(stamp) : null;
            properties.TryGetValue("Result", out var result);
            properties.TryGetValue("StartLimitIntervalUSec", out var interval);
            var limits = new SystemdLimits
            {
                Result = IsSystemdWord(result) ? result : null,
                Restarts = Count(properties, "NRestarts"),
                StartLimitBurst = Count(properties, "StartLimitBurst"),
                StartLimitInterval = IsTimeSpan(interval) ? interval : null,
            };
            return new ServiceStatus(computerName, name, ServiceManager.Systemd, state, mainPid, since, IsSystemdWord(subState) ? subState : null, limits);
        }

        private static int? Count(Dictionary<string, string> properties, string key) =>
            properties.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : (int?)null;

        // systemd prints a time span as words such as "10s" or "1min 30s": letters, digits, spaces and dots only.
        private static bool IsTimeSpan(string? text) =>
            !string.IsNullOrEmpty(text) && text!.Length <= 64 && text.All(c => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '.');

        private static bool IsSystemdWord(string? text) =>
            !string.IsNullOrEmpty(text) && text!.Length <= 64 && text.All(c => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');

        private static ServiceState FromActiveState(string? activeState)
        {
            switch (activeState)
            {
                case "active":
                case "reloading":
                    return ServiceState.Running;
                case "inactive":
                    return ServiceState.Stopped;
                case "failed":
                    return ServiceState.Failed;
                default:
                    // activating, deactivating, or nothing at all: not settled yet.
                    return ServiceState.Unknown;
            }
        }

        /// <summary>systemd's "Wed 2026-11-25 01:44:12 UTC" (asked for with TZ=UTC); empty or "n/a" means never.</summary>
        public static DateTime? ParseSystemdTimestamp(string text)
        {
            var parts = text.Trim().Split(' ');
            if (parts.Length == 4 && parts[3] == "UTC" &&
                DateTime.TryParseExact(parts[1] + " " + parts[2], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var when))
            {
                return DateTime.SpecifyKind(when, DateTimeKind.Utc);
            }

            return null;
        }
    }
}
