using System;
using System.IO;
using System.Linq;
using Sentinel.Errors;
using Sentinel.Metrics;
using Sentinel.Platform;
using Sentinel.Results;
using Xunit;

namespace Sentinel.Tests.Metrics
{
    public sealed class ServiceMetricsTests : IDisposable
    {
        private static readonly DateTime Noon = new DateTime(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc);
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "sentinel-metrics-" + Guid.NewGuid().ToString("N"));

        public ServiceMetricsTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private static RemediationResult Result(string host, string service, RemediationAction action, ServiceState after) =>
            new RemediationResult(host, service, ServiceState.Stopped, action, after, "test", string.Empty, DateTime.Now, TimeSpan.Zero, 0);

        [Fact]
        public void WritesEachMetricOnceWithHelpTypeAndItsValues()
        {
            var metrics = new ServiceMetrics();
            metrics.Seen("web1", "nginx", ServiceState.Stopped, Noon);
            metrics.Repaired(Result("web1", "nginx", RemediationAction.Restarted, ServiceState.Running), Noon.AddSeconds(7.5));
            metrics.Seen("web2", "nginx", ServiceState.Running, Noon);
            metrics.BudgetRemaining("web1", "nginx", 2);
            metrics.BudgetRemaining("web2", "nginx", -1);
            metrics.Breaker(false);
            metrics.RoundDuration(TimeSpan.FromMilliseconds(250));

            var lines = metrics.Render().Split('\n');
            Assert.Equal(string.Empty, lines.Last()); // the collector wants the last line ended
            Assert.Contains("# TYPE sentinel_service_up gauge", lines);
            Assert.Contains("# TYPE sentinel_service_repairs_total counter", lines);
            Assert.Contains("sentinel_service_up{host=\"web1\",service=\"nginx\"} 1", lines);
            Assert.Contains("sentinel_service_up{host=\"web2\",service=\"nginx\"} 1", lines);
            Assert.Contains("sentinel_service_repairs_total{host=\"web1\",service=\"nginx\"} 1", lines);
            Assert.Contains("sentinel_service_repairs_total{host=\"web2\",service=\"nginx\"} 0", lines);
            Assert.Contains("sentinel_service_last_change_timestamp_seconds{host=\"web1\",service=\"nginx\"} 1796472007.5", lines);
            Assert.Contains("sentinel_service_last_change_timestamp_seconds{host=\"web2\",service=\"nginx\"} 1796472000", lines);
            Assert.Contains("sentinel_restart_budget_remaining{host=\"web1\",service=\"nginx\"} 2", lines);
            Assert.Contains("sentinel_restart_budget_remaining{host=\"web2\",service=\"nginx\"} 0", lines);
            Assert.Contains("sentinel_breaker_tripped 0", lines);
            Assert.Contains("sentinel_watch_round_duration_seconds 0.25", lines);
            foreach (var family in lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]))
            {
                Assert.Single(lines, l => l.StartsWith("# TYPE " + family + " ", StringComparison.Ordinal));
                Assert.Single(lines, l => l.StartsWith("# HELP " + family + " ", StringComparison.Ordinal));
            }
        }

        [Fact]
        public void OnlyAChangeOfStateMovesTheLastChange()
        {
            var metrics = new ServiceMetrics();
            metrics.Seen("web1", "nginx", ServiceState.Running, Noon);
            metrics.Seen("WEB1", "nginx", ServiceState.Running, Noon.AddMinutes(1));
            Assert.Contains("sentinel_service_last_change_timestamp_seconds{host=\"web1\",service=\"nginx\"} 1796472000\n", metrics.Render());
            metrics.Seen("web1", "nginx", ServiceState.Failed, Noon.AddMinutes(2));
            var text = metrics.Render();
            Assert.Contains("sentinel_service_last_change_timestamp_seconds{host=\"web1\",service=\"nginx\"} 1796472120\n", text);
            Assert.Contains("sentinel_service_up{host=\"web1\",service=\"nginx\"} 0\n", text);
            Assert.DoesNotContain("WEB1", text, StringComparison.Ordinal); // one host, labelled as first named
        }

        [Theory]
        [InlineData("a\"b", "a\\\"b")]
        [InlineData("a\\b", "a\\\\b")]
        [InlineData("a\nb", "a\\nb")]
        [InlineData("x\"} 1\nsentinel_service_up{host=\"evil", "x\\\"} 1\\nsentinel_service_up{host=\\\"evil")]
        [InlineData("\\\"\n", "\\\\\\\"\\n")]
        public void EscapesLabelValuesAsTheTextFormatRequires(string value, string escaped) =>
            Assert.Equal(escaped, ServiceMetrics.EscapeLabelValue(value));

        [Fact]
        public void AHostileHostNameStaysInsideItsLabel()
        {
            var metrics = new ServiceMetrics();
            metrics.Seen("web\"} 1\nsentinel_breaker_tripped 1\n#\\", "nginx", ServiceState.Running, Noon);
            var lines = metrics.Render().Split('\n').Where(l => l.Length > 0).ToList();
            Assert.All(lines, line => Assert.True(line.StartsWith("# HELP sentinel_", StringComparison.Ordinal) || line.StartsWith("# TYPE sentinel_", StringComparison.Ordinal) || line.StartsWith("sentinel_service_", StringComparison.Ordinal), line));
            Assert.Contains("sentinel_service_up{host=\"web\\\"} 1\\nsentinel_breaker_tripped 1\\n#\\\\\",service=\"nginx\"} 1", lines);
        }

        [Fact]
        public void ReplacesTheFileWholeReadableByAllAndLeavesNothingElseBehind()
        {
            var path = Path.Combine(_folder, "sentinel.prom");
            File.WriteAllText(path, "old\n");
            using (var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                var metrics = new ServiceMetrics();
                metrics.Seen("web1", "nginx", ServiceState.Running, Noon);
                metrics.WriteTo(path);

                // A reader that had the old file open keeps reading the old file: the new one came by a rename, not a rewrite.
                Assert.Equal("old\n", new StreamReader(reader).ReadToEnd());
            }

            Assert.StartsWith("# HELP sentinel_service_up ", File.ReadAllText(path), StringComparison.Ordinal);
            Assert.Equal(new[] { "sentinel.prom" }, Directory.GetFiles(_folder).Select(Path.GetFileName));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(ServiceMetrics.FileMode, UnixPermissions.TryGet(path));
            }
        }

        [Fact]
        public void AFolderThatIsNotThereIsMetricsWriteFailed()
        {
            var blocker = Path.Combine(_folder, "file");
            File.WriteAllText(blocker, string.Empty);
            var error = Assert.Throws<SentinelException>(() => new ServiceMetrics().WriteTo(Path.Combine(blocker, "sentinel.prom")));
            Assert.Equal(ErrorIds.MetricsWriteFailed, error.ErrorId);
        }

        [Fact]
        public void ARestartLeavesItsStateAndChangesOnlyWhenItRan()
        {
            var metrics = new ServiceMetrics();
            metrics.Acted(new ServiceActionResult("web1", "nginx", ServiceAction.Restart, ServiceState.Running, ServiceState.Running, true, TimeSpan.Zero, string.Empty, string.Empty), Noon);
            metrics.Acted(new ServiceActionResult("web2", "nginx", ServiceAction.Restart, ServiceState.Running, ServiceState.Failed, false, TimeSpan.Zero, string.Empty, string.Empty), Noon);
            var text = metrics.Render();
            Assert.Contains("sentinel_service_up{host=\"web1\",service=\"nginx\"} 1\n", text);
            Assert.Contains("sentinel_service_up{host=\"web2\",service=\"nginx\"} 0\n", text);
            Assert.Contains("sentinel_service_last_change_timestamp_seconds{host=\"web1\",service=\"nginx\"} 1796472000\n", text);
            Assert.DoesNotContain("last_change_timestamp_seconds{host=\"web2\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("sentinel_breaker_tripped", text, StringComparison.Ordinal);
        }
    }
}
