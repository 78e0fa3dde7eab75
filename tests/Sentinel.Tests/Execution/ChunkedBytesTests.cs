using System;
using System.Text;
using Sentinel.Execution;
using Xunit;

namespace Sentinel.Tests.Execution
{
    public sealed class ChunkedBytesTests
    {
        [Fact]
        public void EmptyIsTheEmptyString()
        {
            Assert.Same(string.Empty, new ChunkedBytes().Decode());
        }

        [Theory]
        [InlineData(1)]
        [InlineData(7)]
        [InlineData(4096)]
        [InlineData(65536)]
        public void MultiByteCharactersAcrossChunkBoundariesDecodeWhole(int writeSize)
        {
            // 2-, 3- and 4-byte sequences repeated past several chunk boundaries (4 KiB, 8 KiB, ... 1 MiB).
            var text = new StringBuilder();
            while (text.Length < 3_000_000)
            {
                text.Append("aé€😀");
            }

            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            var kept = new ChunkedBytes();
            for (var offset = 0; offset < bytes.Length; offset += writeSize)
            {
                kept.Write(bytes, offset, Math.Min(writeSize, bytes.Length - offset));
            }

            Assert.Equal(bytes.Length, kept.Length);
            Assert.Equal(text.ToString(), kept.Decode());
        }

        [Fact]
        public void RandomBytesDecodeAsTheWholeBufferWould()
        {
            var random = new Random(20261125);
            for (var round = 0; round < 20; round++)
            {
                var bytes = new byte[random.Next(1, 40_000)];
                random.NextBytes(bytes);
                var kept = new ChunkedBytes();
                for (var offset = 0; offset < bytes.Length;)
                {
                    var count = Math.Min(random.Next(1, 5000), bytes.Length - offset);
                    kept.Write(bytes, offset, count);
                    offset += count;
                }

                Assert.Equal(Encoding.UTF8.GetString(bytes), kept.Decode());
            }
        }
    }
}
