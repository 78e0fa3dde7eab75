using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Sentinel.Execution;
using Xunit;

namespace Sentinel.Tests.Execution
{
    public sealed class ProcessMarkerStreamTests
    {
        private const string Marker = "[sentinel-pid:0123456789abcdef]";

        public static IEnumerable<object[]> Chunks() => new[] { 1, 2, 5, 31, 32, 33, 40, 4096 }.Select(c => new object[] { c });

        [Theory]
        [MemberData(nameof(Chunks))]
        public void CutsTheWrappersLineOutAndReadsThePidWhereverTheReadsSplitIt(int chunk)
        {
            var (text, stream) = Filter($"{Marker}4242 g\nwarning: x\n{Marker}7 g\n", chunk);
            Assert.Equal($"warning: x\n{Marker}7 g\n", text);
            Assert.Equal(4242, stream.ProcessId);
            Assert.True(stream.LeadsGroup);
        }

        [Theory]
        [MemberData(nameof(Chunks))]
        public void PassesTextBeforeTheMarkerThrough(int chunk)
        {
            var (text, stream) = Filter($"bashrc says hi\n[sentinel-pid:{Marker}99 p\nafter", chunk);
            Assert.Equal("bashrc says hi\n[sentinel-pid:after", text);
            Assert.Equal(99, stream.ProcessId);
            Assert.False(stream.LeadsGroup);
        }

        [Theory]
        [MemberData(nameof(Chunks))]
        public void WithoutTheMarkerEverythingPassesAndThePidIsUnknown(int chunk)
        {
            foreach (var input in new[] { string.Empty, "plain error\n", "[sentinel-pid:", $"{Marker}12 g", $"{Marker}not a pid\nrest", $"{Marker}{new string('9', 40)}\n" })
            {
                var (text, stream) = Filter(input, chunk);
                Assert.Equal(input, text);
                Assert.Null(stream.ProcessId);
            }
        }

        private static (string Text, ProcessMarkerStream Stream) Filter(string input, int chunk)
        {
            var stream = new ProcessMarkerStream(new ChunkedStream(Encoding.UTF8.GetBytes(input), chunk), Marker);
            var output = new MemoryStream();
            stream.CopyTo(output, 7);
            return (Encoding.UTF8.GetString(output.ToArray()), stream);
        }

        /// <summary>A stream that hands out its data in fixed pieces, as a network read would.</summary>
        private sealed class ChunkedStream : MemoryStream
        {
            private readonly int _chunk;

            public ChunkedStream(byte[] data, int chunk)
                : base(data)
            {
                _chunk = chunk;
            }

            public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, System.Math.Min(count, _chunk));
        }
    }
}
