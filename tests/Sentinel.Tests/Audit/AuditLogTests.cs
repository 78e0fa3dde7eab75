using System;
using System.IO;
using System.Linq;
using Sentinel.Audit;
using Xunit;

namespace Sentinel.Tests.Audit
{
    public sealed class AuditLogTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "audit-" + Guid.NewGuid().ToString("N"));

        public AuditLogTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        [Fact]
        public void FlushReturnsOnceEveryQueuedRecordIsInTheFile()
        {
            var path = Path.Combine(_folder, "audit.jsonl");
            for (var i = 0; i < 2000; i++)
            {
                AuditLog.Record(path, new AuditRecord { Command = "echo " + i });
            }

            Assert.True(AuditLog.Flush(TimeSpan.FromSeconds(30)));
            var lines = File.ReadAllLines(path);
            Assert.Equal(2000, lines.Length);
            Assert.Contains("echo 1999", lines.Last());
        }

        [Fact]
        public void ARecordThatCannotBeWrittenIsCountedAndDoesNotHoldUpAFlush()
        {
            AuditLog.Record(_folder, new AuditRecord { Command = "to a folder" });
            AuditLog.Record(Path.Combine(_folder, "no-such-folder", "audit.jsonl"), new AuditRecord { Command = "nowhere" });
            AuditLog.Record("\0", new AuditRecord { Command = "not a path" });
            Assert.True(AuditLog.Flush(TimeSpan.FromSeconds(30)));
            Assert.True(AuditLog.TakeNewFailures() >= 3);
        }
    }
}
