using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Sentinel.Execution;

namespace Sentinel.Services
{
    /// <summary>
    /// Where a service's log is and the commands that read its last lines: systemd's journal for any
    /// unit, else the known log files of the services Sentinel knows. Which file exists and whether the
    /// user may read it are asked by exit codes, never by parsing what a host prints.
    /// </summary>
    internal static class ServiceLogs
    {
        /// <summary>Exit code of <see cref="JournalReadable"/> when the user can read the system journal.</summary>
        public const int Readable = 0;

        /// <summary>Exit codes of <see cref="ProbeFiles"/>: the first existing candidate i gives FileReadable + i or FileNeedsSudo + i.</summary>
        public const int FileReadable = 10;
        public const int FileNeedsSudo = 30;
        private const int MaxCandidates = 10;

        /// <summary>
        /// Exits 0 when a system journal file is readable by the user (root, or in adm or systemd-journal
        /// through the files' ACLs); journalctl otherwise shows only the user's own messages.
        /// </summary>
        public const string JournalReadable =
            "for f in /var/log/journal/*/system.journal /run/log/journal/*/system.journal; do if [ -r \"$f\" ]; then exit 0; fi; done; exit 1";

        /// <summary>The log files Sentinel knows for SysV and OpenRC services, in the order they are tried.</summary>
        public static IReadOnlyList<string> FilesFor(string name)
        {
            switch (ServiceName.Bare(name).ToLowerInvariant())
            {
                case "nginx":
                    return new[] { "/var/log/nginx/error.log" };
                case "ssh":
                case "sshd":
                    return new[] { "/var/log/auth.log", "/var/log/secure" };
                case "apache2":
                    return new[] { "/var/log/apache2/error.log" };
                case "httpd":
                    return new[] { "/var/log/httpd/error_log" };
                case "apache":
                    return new[] { "/var/log/apache2/error.log", "/var/log/httpd/error_log" };
                case "haproxy":
                    return new[] { "/var/log/haproxy.log" };
                case "docker":
                    return new[] { "/var/log/docker.log" };
                default:
                    return Array.Empty<string>();
            }
        }

        /// <summary>Which of <paramref name="files"/> exists first, and whether it is readable, as an exit code (1: none exists).</summary>
        public static string ProbeFiles(IReadOnlyList<string> files)
        {
            if (files.Count == 0 || files.Count > MaxCandidates)
            {
                throw new ArgumentOutOfRangeException(nameof(files));
            }

            var tests = files.Select((file, i) =>
                $"if [ -e {ShellQuote.Quote(file)} ]; then if [ -r {ShellQuote.Quote(file)} ]; then exit {FileReadable + i}; fi; exit {FileNeedsSudo + i}; fi");
            return string.Join("; ", tests) + "; exit 1";
        }

        /// <summary>The file a probe's exit code names, and whether it needs sudo; null when none exists.</summary>
        public static (string File, bool Sudo)? FromProbe(IReadOnlyList<string> files, int? exitCode)
        {
            if (exitCode >= FileReadable && exitCode < FileReadable + files.Count)
            {
                return (files[exitCode.Value - FileReadable], false);
            }

            if (exitCode >= FileNeedsSudo && exitCode < FileNeedsSudo + files.Count)
            {
                return (files[exitCode.Value - FileNeedsSudo], true);
            }

            return null;
        }

        /// <summary>A simple command (no shell syntax), so that sudo goes right in front of journalctl.</summary>
        public static string Journal(string unit, int tail, DateTime? since)
        {
            var command = $"journalctl --no-pager --quiet -o short-iso -n {tail.ToString(CultureInfo.InvariantCulture)}";
            if (since.HasValue)
            {
                // @epoch is journalctl's zone-free way to give a moment.
                var epoch = (long)(since.Value.ToUniversalTime() - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds;
                command += $" --since @{epoch.ToString(CultureInfo.InvariantCulture)}";
            }

            return command + $" -u {ShellQuote.Quote(unit)}";
        }

        public static string Tail(string file, int lines) => $"tail -n {lines.ToString(CultureInfo.InvariantCulture)} -- {ShellQuote.Quote(file)}";
    }
}
