using System.IO;
using System.Text;
using System.Threading.Tasks;
using Sentinel.Execution;
using Xunit;

namespace Sentinel.Tests.Execution
{
    public sealed class OutputCollectorTests
    {
        [Fact]
        public async Task KeepsEverythingUnderTheLimitByteExact()
        {
            var text = "héllo wörld ✓\r\n\ttabs and CRLF\n";
            var collector = OutputCollector.Start(new MemoryStream(Encoding.UTF8.GetBytes(text)), 1024);
            await collector.Completion;
            Assert.Equal(text, collector.Text());
            Assert.False(collector.Truncated);
            Assert.Equal(Encoding.UTF8.GetByteCount(text), collector.TotalBytes);
        }

        [Fact]
        public async Task KeepsOnlyTheLimitButCountsEveryByte()
        {
            var collector = OutputCollector.Start(new MemoryStream(new byte[300_000]), 1000);
            await collector.Completion;
            Assert.Equal(1000, collector.Text().Length);
            Assert.True(collector.Truncated);
            Assert.Equal(300_000, collector.TotalBytes);
        }

        [Fact]
        public async Task HandsOutLinesAsTheyArriveWithoutTheirEndings()
        {
            var lines = new System.Collections.Generic.List<string>();
            var bytes = Encoding.UTF8.GetBytes("first\r\nsecond ✓\n\nlast without newline");
            var collector = OutputCollector.Start(new MemoryStream(bytes), 1024, lines.Add);
            await collector.Completion;
            Assert.Equal(new[] { "first", "second ✓", "", "last without newline" }, lines);
        }

        [Fact]
        public async Task TurnsInvalidUtf8IntoReplacementCharacters()
        {
            var collector = OutputCollector.Start(new MemoryStream(new byte[] { (byte)'a', 0xFF, 0xFE, (byte)'b' }), 1024);
            await collector.Completion;
            Assert.Equal("a\uFFFD\uFFFDb", collector.Text());
        }

        [Fact]
        public async Task WaitsForOutputWithoutHoldingAThread()
        {
            // Read (the blocking call) fails: a collector that parks a thread on it would fault.
            var source = new AsyncOnlyStream();
            var collector = OutputCollector.Start(source, 1024);
            source.Feed(Encoding.UTF8.GetBytes("late "));
            source.Feed(Encoding.UTF8.GetBytes("output"));
            source.End();
            await collector.Completion;
            Assert.Equal("late output", collector.Text());
            Assert.Equal(11, collector.TotalBytes);
        }

        [Fact]
        public async Task ASmallFirstReadStillTakesWholeLargeOutput()
        {
            var text = new string('x', 200_000) + "end";
            var collector = OutputCollector.Start(new MemoryStream(Encoding.ASCII.GetBytes(text)), 1_000_000);
            await collector.Completion;
            Assert.Equal(text, collector.Text());
            Assert.False(collector.Truncated);
        }

        /// <summary>A stream that can only be read asynchronously; each ReadAsync completes when the test feeds or ends it.</summary>
        private sealed class AsyncOnlyStream : MemoryStream
        {
            private readonly object _gate = new object();
            private readonly System.Collections.Generic.Queue<byte[]?> _queued = new System.Collections.Generic.Queue<byte[]?>();
            private TaskCompletionSource<byte[]?>? _waiting;

            public void Feed(byte[] bytes) => Deliver(bytes);

            public void End() => Deliver(null);

            public override int Read(byte[] buffer, int offset, int count) => throw new System.InvalidOperationException("a blocking read");

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, System.Threading.CancellationToken cancellationToken)
            {
                Task<byte[]?> next;
                lock (_gate)
                {
                    if (_queued.Count > 0)
                    {
                        next = Task.FromResult(_queued.Dequeue());
                    }
                    else
                    {
                        _waiting = new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously);
                        next = _waiting.Task;
                    }
                }

                var bytes = await next;
                if (bytes == null)
                {
                    return 0;
                }

                System.Array.Copy(bytes, 0, buffer, offset, bytes.Length);
                return bytes.Length;
            }

            private void Deliver(byte[]? bytes)
            {
                TaskCompletionSource<byte[]?>? waiting;
                lock (_gate)
                {
                    waiting = _waiting;
                    _waiting = null;
                    if (waiting == null)
                    {
                        _queued.Enqueue(bytes);
                    }
                }

                waiting?.TrySetResult(bytes);
            }
        }
    }

    public sealed class CollectorFailureTests
    {
        [Fact]
        public async Task AStreamThatThrowsAnyExceptionFaultsTheCollectorAndNothingElse()
        {
            var collector = OutputCollector.Start(new FailingStream(new System.FormatException("unexpected")), 1024);
            var failure = await Assert.ThrowsAsync<System.FormatException>(() => collector.Completion);
            Assert.Equal("unexpected", failure.Message);
        }

        [Fact]
        public async Task AStreamDisposedUnderTheCollectorEndsItQuietly()
        {
            var collector = OutputCollector.Start(new FailingStream(new System.ObjectDisposedException("channel")), 1024);
            await collector.Completion;
            Assert.Equal(string.Empty, collector.Text());
        }

        private sealed class FailingStream : MemoryStream
        {
            private readonly System.Exception _failure;

            public FailingStream(System.Exception failure)
            {
                _failure = failure;
            }

            public override int Read(byte[] buffer, int offset, int count) => throw _failure;
        }
    }

    public sealed class ShellQuoteTests
    {
        [Theory]
        [InlineData("nginx", "'nginx'")]
        [InlineData("", "''")]
        [InlineData("it's", "'it'\\''s'")]
        [InlineData("a; touch /tmp/x $(id) `id`", "'a; touch /tmp/x $(id) `id`'")]
        public void QuotesForAPosixShell(string value, string expected) => Assert.Equal(expected, ShellQuote.Quote(value));
    }
}
