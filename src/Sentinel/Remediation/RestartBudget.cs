using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Sentinel.Errors;
using Sentinel.Platform;
using Sentinel.Serialization;

namespace Sentinel.Remediation
{
    /// <summary>Where a service stands against its restart budget.</summary>
    internal readonly struct BudgetStatus
    {
        public BudgetStatus(int used, int limit, DateTime? nextAllowedUtc, int systemdRestarts = 0)
        {
            SystemdRestarts = systemdRestarts;
            Used = used;
            Limit = limit;
            NextAllowedUtc = nextAllowedUtc;
        }

        /// <summary>Restarts counted within the window, with systemd's own.</summary>
        public int Used { get; }

        /// <summary>Of <see cref="Used"/>, the restarts systemd made itself (its NRestarts).</summary>
        public int SystemdRestarts { get; }

        public int Limit { get; }

        /// <summary>When the oldest counted restart leaves the window; null while restarts are left.</summary>
        public DateTime? NextAllowedUtc { get; }

        public bool Allowed => Used < Limit;
    }

    /// <summary>
    /// At most Limit starts or restarts of one service on one host within Window (systemd's
    /// StartLimitBurst in StartLimitIntervalSec), counted across runs in a small JSON file beside the
    /// inventory. Checking and counting a restart is one step under a lock (in this process, and across
    /// processes through a lock file), and the file is replaced whole, so two runners never both take
    /// the last restart and a crash never leaves half a file.
    /// </summary>
    internal sealed class RestartBudget
    {
        public const string FileName = "remediation-state.json";

        /// <summary>Restarts older than this (or than the window, when longer) are forgotten when the file is written.</summary>
        private static readonly TimeSpan MinimumMemory = TimeSpan.FromDays(1);
        private const int MaxTimesPerService = 64;
        private const int MaxFileBytes = 4 * 1024 * 1024;
        private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);
        private static readonly object Gate = new object();

        private readonly IClock _clock;

        public RestartBudget(string path, int limit, TimeSpan window, IClock clock)
        {
            Path = path;
            Limit = limit;
            Window = window;
            _clock = clock;
        }

        public string Path { get; }

        public int Limit { get; }

        public TimeSpan Window { get; }

        /// <summary>The state file beside the servers file <paramref name="inventoryPath"/>.</summary>
        public static string PathBeside(string inventoryPath) =>
            System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(inventoryPath))!, FileName);

        /// <summary>Reads the file once, so that a damaged one stops a run before anything is touched.</summary>
        public void Validate()
        {
            lock (Gate)
            {
                Load();
            }
        }

        public BudgetStatus Check(string computerName, string service, int systemdRestarts = 0)
        {
            lock (Gate)
            {
                return StatusOf(Times(Load(), computerName, service), systemdRestarts);
            }
        }

        /// <summary>
        /// Counts one restart now when the budget allows it (or, with <paramref name="force"/>, anyway);
        /// false, and nothing counted, when it is used up. <paramref name="systemdRestarts"/> (systemd's
        /// NRestarts) count as used.
        /// </summary>
        public bool TryTake(string computerName, string service, bool force, int systemdRestarts, out BudgetStatus status)
        {
            lock (Gate)
            {
                using (LockFile())
                {
                    var ledger = Load();
                    var times = Times(ledger, computerName, service);
                    status = StatusOf(times, systemdRestarts);
                    if (!status.Allowed && !force)
                    {
                        return false;
                    }

                    times.Add(_clock.UtcNow);
                    Save(ledger);
                    status = StatusOf(times, systemdRestarts);
                    return true;
                }
            }
        }

        /// <summary>
        /// Sentinel's restarts within the window plus <paramref name="systemdRestarts"/>. systemd's count
        /// has no times, so when it alone uses the budget up there is no time at which it frees.
        /// </summary>
        private BudgetStatus StatusOf(List<DateTime> times, int systemdRestarts)
        {
            var since = _clock.UtcNow - Window;
            var counted = times.Where(t => t > since).OrderBy(t => t).ToList();
            var used = counted.Count + systemdRestarts;
            var freesFirst = used - Limit;
            DateTime? next = used >= Limit && freesFirst < counted.Count ? counted[freesFirst] + Window : (DateTime?)null;
            return new BudgetStatus(used, Limit, Limit == 0 ? null : next, systemdRestarts);
        }

        private static string Key(string computerName, string service) => computerName.ToLowerInvariant() + "\n" + service;

        private static List<DateTime> Times(Dictionary<string, List<DateTime>> ledger, string computerName, string service)
        {
            var key = Key(computerName, service);
            if (!ledger.TryGetValue(key, out var times))
            {
                times = new List<DateTime>();
                ledger[key] = times;
            }

            return times;
        }

        private FileStream LockFile()
        {
            var deadline = DateTime.UtcNow + LockWait;
            while (true)
            {
                try
                {
                    Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
                    return new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(20); // another runner holds it for the few milliseconds of a read and a write
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw RemediationErrors.StateInvalid(Path, $"its lock file '{Path}.lock' cannot be taken: {e.Message}", e);
                }
            }
        }

        private Dictionary<string, List<DateTime>> Load()
        {
            var ledger = new Dictionary<string, List<DateTime>>(StringComparer.Ordinal);
            string text;
            try
            {
                if (!File.Exists(Path))
                {
                    return ledger;
                }

                if (new FileInfo(Path).Length > MaxFileBytes)
                {
                    throw RemediationErrors.StateInvalid(Path, $"it is larger than {MaxFileBytes / (1024 * 1024)} MiB");
                }

                text = File.ReadAllText(Path, Encoding.UTF8);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw RemediationErrors.StateInvalid(Path, $"it cannot be read: {e.Message}", e);
            }

            object? document;
            try
            {
                document = Json.Parse(text);
            }
            catch (JsonException e)
            {
                throw RemediationErrors.StateInvalid(Path, $"it is not valid JSON: {e.Message}", e);
            }

            if (!(document is Dictionary<string, object?> root) || !(root.TryGetValue("restarts", out var list) && list is List<object?> entries))
            {
                throw RemediationErrors.StateInvalid(Path, "it must be an object with a \"restarts\" array");
            }

            foreach (var item in entries)
            {
                if (!(item is Dictionary<string, object?> fields)
                    || !(fields.TryGetValue("computerName", out var host) && host is string computerName)
                    || !(fields.TryGetValue("service", out var name) && name is string service)
                    || !(fields.TryGetValue("times", out var stamps) && stamps is List<object?> times))
                {
                    throw RemediationErrors.StateInvalid(Path, "each restart entry needs \"computerName\", \"service\" and \"times\"");
                }

                var parsed = Times(ledger, computerName, service);
                foreach (var stamp in times)
                {
                    if (!(stamp is string value) || !DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time))
                    {
                        throw RemediationErrors.StateInvalid(Path, $"'{stamp}' for {service} on {computerName} is not a time");
                    }

                    parsed.Add(time.ToUniversalTime());
                }
            }

            return ledger;
        }

        private void Save(Dictionary<string, List<DateTime>> ledger)
        {
            var forgetBefore = _clock.UtcNow - (Window > MinimumMemory ? Window : MinimumMemory);
            var json = new StringBuilder("{\n  \"restarts\": [");
            var first = true;
            foreach (var pair in ledger.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var recent = pair.Value.Where(t => t > forgetBefore).OrderBy(t => t).ToList();
                var kept = recent.Skip(Math.Max(0, recent.Count - MaxTimesPerService)).ToList();
                if (kept.Count == 0)
                {
                    continue;
                }

                var separator = pair.Key.IndexOf('\n');
                json.Append(first ? "\n" : ",\n")
                    .Append("    { \"computerName\": ").Append(Json.Quote(pair.Key.Substring(0, separator)))
                    .Append(", \"service\": ").Append(Json.Quote(pair.Key.Substring(separator + 1)))
                    .Append(", \"times\": [").Append(string.Join(", ", kept.Select(t => Json.Quote(t.ToString("o", CultureInfo.InvariantCulture))))).Append("] }");
                first = false;
            }

            json.Append(first ? "]\n}\n" : "\n  ]\n}\n");
            try
            {
                AtomicFile.WriteAllText(Path, json.ToString());
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw RemediationErrors.StateInvalid(Path, $"it cannot be written: {e.Message}", e);
            }
        }
    }
}
