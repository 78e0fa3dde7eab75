using System;
using System.Text.Json;
using Sentinel.Audit;
using Xunit;

namespace Sentinel.Tests.Audit
{
    public sealed class AuditRecordTests
    {
        [Fact]
        public void IsOneLineOfValidJsonWhateverTheCommandHolds()
        {
            var record = new AuditRecord
            {
                Time = new DateTime(2026, 11, 25, 1, 2, 3, DateTimeKind.Utc),
                ComputerName = "web01",
                Port = 22,
                RemoteUser = "ops",
                SessionId = 4,
                Command = "printf '\"quoted\" \\\\ back\\n'\n\tnext\u0001line ✓",
                Sudo = true,
                ExitCode = null,
                ExitSignal = "TERM",
                DurationMs = 12.345,
                OutputBytes = 10,
                ErrorBytes = 2,
                Outcome = "Sentinel.CommandTimeout",
            };

            var json = record.ToJson();
            Assert.DoesNotContain("\n", json);
            var parsed = JsonDocument.Parse(json).RootElement;
            Assert.Equal(record.Command, parsed.GetProperty("command").GetString());
            Assert.Equal("2026-11-25T01:02:03.0000000Z", parsed.GetProperty("time").GetString());
            Assert.True(parsed.GetProperty("sudo").GetBoolean());
            Assert.Equal(JsonValueKind.Null, parsed.GetProperty("exitCode").ValueKind);
            Assert.Equal("TERM", parsed.GetProperty("exitSignal").GetString());
            Assert.Equal(12.3, parsed.GetProperty("durationMs").GetDouble());
            Assert.Equal("Sentinel.CommandTimeout", parsed.GetProperty("outcome").GetString());
        }
    }
}
