using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Sentinel.Serialization;

namespace Sentinel.Audit
{
    /// <summary>
    /// The optional JSON-lines audit log: one record per command. Records are queued and written by
    /// one background thread, so a slow, full or unwritable log never blocks or fails a command; when
    /// the queue is full a record is dropped and counted rather than waited for. What is queued is
    /// flushed (with a bounded wait) when the module is removed and when the process exits, so a
    /// runbook's last records are not lost with it.
    /// </summary>
    internal static class AuditLog
    {
        /// <summary>How long removal or exit waits for queued records to be written.</summary>
        public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(2);

        /// <summary>The environment variable naming the log file (a module preference variable wins over it).</summary>
        public const string EnvironmentVariable = "SENTINEL_AUDIT_LOG";

        /// <summary>The preference variable, <c>$SentinelAuditLog</c>, naming the log file; read in the caller's scope.</summary>
        public const string PreferenceVariable = "SentinelAuditLog";

        private static readonly BlockingCollection<(string Path, string Line)> Pending = new BlockingCollection<(string, string)>(10_000);
        private static readonly Lazy<Thread> Writer = new Lazy<Thread>(StartWriter);
        private static readonly object Drained = new object();
        private static long _lost;

        /// <summary>Records queued and not yet written (or given up on); guarded by <see cref="Drained"/>.</summary>
        private static int _unwritten;

        /// <summary>How many records were lost (queue full, file not writable) since the last call.</summary>
        public static long TakeNewFailures() => Interlocked.Exchange(ref _lost, 0);

        public static void Record(string path, AuditRecord record) => Record(path, record.ToJson());

        /// <summary>What Repair- and Watch-SentinelService did to a service, beside the records of the commands it took.</summary>
        public static void Record(string path, RemediationAuditRecord record) => Record(path, record.ToJson());

        private static void Record(string path, string json)
        {
            _ = Writer.Value;
            lock (Drained)
            {
                if (Pending.TryAdd((path, json + "\n")))
                {
                    _unwritten++;
                    return;
                }
            }

            Interlocked.Increment(ref _lost);
        }

        /// <summary>Waits until every queued record is written, or <paramref name="timeout"/> passes; true when none is left.</summary>
        public static bool Flush(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            lock (Drained)
            {
                while (_unwritten > 0)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !Monitor.Wait(Drained, left))
                    {
                        return _unwritten == 0;
                    }
                }

                return true;
            }
        }

        private static Thread StartWriter()
        {
            AppDomain.CurrentDomain.ProcessExit += (sender, e) => Flush(FlushTimeout);
            var thread = new Thread(WriteAll) { IsBackground = true, Name = "Sentinel audit log" };
            thread.Start();
            return thread;
        }

        /// <summary>The writer thread. It catches everything: an exception left to escape a thread ends the whole process.</summary>
        private static void WriteAll()
        {
            foreach (var (path, line) in Pending.GetConsumingEnumerable())
            {
                try
                {
                    File.AppendAllText(path, line, new UTF8Encoding(false));
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref _lost);
                }
                finally
                {
                    lock (Drained)
                    {
                        _unwritten--;
                        Monitor.PulseAll(Drained);
                    }
                }
            }
        }
    }

    /// <summary>What the audit log keeps of one command. There is no field a secret could reach.</summary>
    internal sealed class AuditRecord
    {
        /// <summary>The record of one command on one session; <paramref name="result"/> is null when it failed.</summary>
        public static AuditRecord Of(Results.SentinelSession session, Execution.CommandRequest request, DateTime started, Results.CommandResult? result, string outcome) => new AuditRecord
        {
            Time = started,
            ComputerName = session.ComputerName,
            Port = session.Port,
            RemoteUser = session.UserName,
            SessionId = session.Id,
            Command = request.Command,
            Sudo = request.Sudo,
            ExitCode = result?.ExitCode,
            ExitSignal = result?.ExitSignal,
            DurationMs = (DateTime.Now - started).TotalMilliseconds,
            OutputBytes = result?.OutputBytes ?? 0,
            ErrorBytes = result?.ErrorBytes ?? 0,
            Outcome = outcome,
        };

        public DateTime Time { get; set; }

        public string LocalUser { get; set; } = Environment.UserName;

        public string ComputerName { get; set; } = string.Empty;

        public int Port { get; set; }

        public string RemoteUser { get; set; } = string.Empty;

        public int SessionId { get; set; }

        public string Command { get; set; } = string.Empty;

        public bool Sudo { get; set; }

        public int? ExitCode { get; set; }

        public string? ExitSignal { get; set; }

        public double DurationMs { get; set; }

        public long OutputBytes { get; set; }

        public long ErrorBytes { get; set; }

        /// <summary>"completed", or the error id that ended the command.</summary>
        public string Outcome { get; set; } = "completed";

        public string ToJson()
        {
            var json = new StringBuilder("{");
            Add(json, "time", Time.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
            Add(json, "localUser", LocalUser);
            Add(json, "computerName", ComputerName);
            AddRaw(json, "port", Port.ToString(CultureInfo.InvariantCulture));
            Add(json, "remoteUser", RemoteUser);
            AddRaw(json, "sessionId", SessionId.ToString(CultureInfo.InvariantCulture));
            Add(json, "command", Command);
            AddRaw(json, "sudo", Sudo ? "true" : "false");
            AddRaw(json, "exitCode", ExitCode.HasValue ? ExitCode.Value.ToString(CultureInfo.InvariantCulture) : "null");
            Add(json, "exitSignal", ExitSignal);
            AddRaw(json, "durationMs", Math.Round(DurationMs, 1).ToString(CultureInfo.InvariantCulture));
            AddRaw(json, "outputBytes", OutputBytes.ToString(CultureInfo.InvariantCulture));
            AddRaw(json, "errorBytes", ErrorBytes.ToString(CultureInfo.InvariantCulture));
            Add(json, "outcome", Outcome);
            json.Length--; // the last comma
            return json.Append('}').ToString();
        }

        private static void Add(StringBuilder json, string name, string? value)
            => AddRaw(json, name, value == null ? "null" : Json.Quote(value));

        private static void AddRaw(StringBuilder json, string name, string value)
            => json.Append('"').Append(name).Append("\":").Append(value).Append(',');
    }
}
