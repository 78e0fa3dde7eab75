using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using Sentinel.Errors;
using Sentinel.Platform;
using Sentinel.Results;

namespace Sentinel.Metrics
{
    /// <summary>
    /// What Watch-, Repair- and Restart-SentinelService know about the services they work on, as the
    /// Prometheus text exposition format that node_exporter's textfile collector reads: per host and
    /// service whether it is up, the repairs that brought it back, when its state last changed and the
    /// restarts its budget has left; per run whether the breaker tripped and how long the last watch
    /// round took. Thread-safe: the watch reports from background threads.
    /// </summary>
    internal sealed class ServiceMetrics
    {
        /// <summary>rw-r--r--: node_exporter usually runs as another user than Sentinel.</summary>
        public const int FileMode = 0x1A4;

        private readonly object _gate = new object();
        private readonly SortedDictionary<(string Host, string Service), ServiceSeries> _services = new SortedDictionary<(string, string), ServiceSeries>();
        private bool? _breakerTripped;
        private double? _roundSeconds;

        /// <summary>The service's state now; a change (or the first sight of it) is its last change, at <paramref name="seenUtc"/>.</summary>
        public void Seen(string host, string service, ServiceState state, DateTime seenUtc)
        {
            lock (_gate)
            {
                var series = Series(host, service);
                if (series.State != state)
                {
                    series.State = state;
                    series.LastChangeUtc = seenUtc;
                }
            }
        }

        /// <summary>A repair or restart's outcome: its state after, its change, and a repair when it brought the service back.</summary>
        public void Repaired(RemediationResult result, DateTime endUtc)
        {
            lock (_gate)
            {
                var series = Series(result.ComputerName, result.Name);
                if (result.Action == RemediationAction.Started || result.Action == RemediationAction.Restarted)
                {
                    series.Repairs++;
                    series.LastChangeUtc = endUtc;
                }

                if (result.StateAfter != ServiceState.Unknown || series.State == null)
                {
                    series.State = result.StateAfter;
                }
            }
        }

        /// <summary>A start, stop or restart done: the state it left, changed now when the action ran.</summary>
        public void Acted(ServiceActionResult result, DateTime endUtc)
        {
            lock (_gate)
            {
                var series = Series(result.ComputerName, result.Name);
                series.State = result.StateAfter;
                if (result.Succeeded)
                {
                    series.LastChangeUtc = endUtc;
                }
            }
        }

        public void BudgetRemaining(string host, string service, int remaining)
        {
            lock (_gate)
            {
                Series(host, service).BudgetRemaining = Math.Max(0, remaining);
            }
        }

        public void Breaker(bool tripped)
        {
            lock (_gate)
            {
                _breakerTripped = tripped;
            }
        }

        public void RoundDuration(TimeSpan duration)
        {
            lock (_gate)
            {
                _roundSeconds = duration.TotalSeconds;
            }
        }

        /// <summary>The hosts and services seen, for reading their budgets.</summary>
        public IReadOnlyList<(string Host, string Service)> Services()
        {
            lock (_gate)
            {
                return _services.Values.Select(s => (s.Host, s.Service)).ToList();
            }
        }

        /// <summary>The exposition text: HELP and TYPE once per metric, then its series; a metric with no value is left out.</summary>
        public string Render()
        {
            lock (_gate)
            {
                var text = new StringBuilder();
                Family(text, "sentinel_service_up", "gauge", "1 when the service was Running when last seen, else 0 (Unknown when the host could not be asked).",
                    _services.Where(s => s.Value.State != null).Select(s => (Labels(s.Value), (double)(s.Value.State == ServiceState.Running ? 1 : 0))));
                Family(text, "sentinel_service_repairs_total", "counter", "Repairs in this run that brought the service back to Running (started or restarted).",
                    _services.Select(s => (Labels(s.Value), (double)s.Value.Repairs)));
                Family(text, "sentinel_service_last_change_timestamp_seconds", "gauge", "When this run last saw the service's state change (or first saw it), in seconds since the Unix epoch.",
                    _services.Where(s => s.Value.LastChangeUtc != null).Select(s => (Labels(s.Value), UnixSeconds(s.Value.LastChangeUtc!.Value))));
                Family(text, "sentinel_restart_budget_remaining", "gauge", "Starts and restarts the restart budget still allows the service on the host within its window.",
                    _services.Where(s => s.Value.BudgetRemaining != null).Select(s => (Labels(s.Value), (double)s.Value.BudgetRemaining!.Value)));
                if (_breakerTripped != null)
                {
                    Family(text, "sentinel_breaker_tripped", "gauge", "1 once the breaker tripped in this run (no more repairs), else 0.", new[] { (string.Empty, _breakerTripped.Value ? 1d : 0d) });
                }

                if (_roundSeconds != null)
                {
                    Family(text, "sentinel_watch_round_duration_seconds", "gauge", "How long the last watch round took to ask every service its state.", new[] { (string.Empty, _roundSeconds.Value) });
                }

                return text.ToString();
            }
        }

        /// <summary>Writes <see cref="Render"/> to <paramref name="path"/> whole, by a rename, so the collector never reads half a file; MetricsWriteFailed when it cannot.</summary>
        public void WriteTo(string path)
        {
            try
            {
                AtomicFile.WriteAllText(path, Render(), FileMode);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is ArgumentException)
            {
                throw new SentinelException(
                    ErrorIds.MetricsWriteFailed,
                    ErrorCategory.WriteError,
                    null,
                    $"The metrics file '{path}' could not be written: {e.Message}",
                    "Check that its folder exists and this user may write there (node_exporter's --collector.textfile.directory).",
                    e);
            }
        }

        /// <summary>A label value as the text format needs it: backslash, double quote and line feed escaped, nothing else touched.</summary>
        public static string EscapeLabelValue(string value) =>
            value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

        private static string Labels(ServiceSeries series) =>
            $"{{host=\"{EscapeLabelValue(series.Host)}\",service=\"{EscapeLabelValue(series.Service)}\"}}";

        private static void Family(StringBuilder text, string name, string type, string help, IEnumerable<(string Labels, double Value)> series)
        {
            var lines = series.ToList();
            if (lines.Count == 0)
            {
                return;
            }

            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, value) in lines)
            {
                text.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        private static double UnixSeconds(DateTime utc) => Math.Round((utc - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds, 3);

        private ServiceSeries Series(string host, string service)
        {
            // Host names are compared as the watch compares them: any case is one host.
            var key = (host.ToLowerInvariant(), service);
            if (!_services.TryGetValue(key, out var series))
            {
                series = new ServiceSeries(host, service);
                _services[key] = series;
            }

            return series;
        }

        private sealed class ServiceSeries
        {
            public ServiceSeries(string host, string service)
            {
                Host = host;
                Service = service;
            }

            /// <summary>The host as first named: the label keeps the user's spelling.</summary>
            public string Host { get; }

            public string Service { get; }

            public ServiceState? State { get; set; }

            public int Repairs { get; set; }

            public DateTime? LastChangeUtc { get; set; }

            public int? BudgetRemaining { get; set; }
        }
    }
}
