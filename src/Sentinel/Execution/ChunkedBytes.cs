using System;
using System.Collections.Generic;
using System.Text;

namespace Sentinel.Execution
{
    /// <summary>
    /// Bytes kept in chunks that grow to 1 MiB: a large output is written once and never copied to a
    /// bigger buffer, as a MemoryStream does on every doubling, and becomes text with one string
    /// allocation. For a large output, fresh memory is most of the cost (see docs/benchmarks.md).
    /// </summary>
    internal sealed class ChunkedBytes
    {
        private const int FirstChunk = 4 * 1024;
        private const int LargestChunk = 1024 * 1024;
        private static readonly Encoding Utf8 = new UTF8Encoding(false, false);
        private readonly List<byte[]> _chunks = new List<byte[]>();
        private readonly List<int> _used = new List<int>();

        public long Length { get; private set; }

        public void Write(byte[] bytes, int offset, int count)
        {
            Length += count;
            while (count > 0)
            {
                var last = _chunks.Count - 1;
                if (last < 0 || _used[last] == _chunks[last].Length)
                {
                    StartChunk();
                    last++;
                }

                var copied = Math.Min(count, _chunks[last].Length - _used[last]);
                Buffer.BlockCopy(bytes, offset, _chunks[last], _used[last], copied);
                _used[last] += copied;
                offset += copied;
                count -= copied;
            }
        }

        /// <summary>The first <paramref name="maxBytes"/> bytes as UTF-8 text; invalid sequences become U+FFFD instead of an exception.</summary>
        public unsafe string Decode(long maxBytes = long.MaxValue)
        {
            var counts = new int[_chunks.Count];
            var left = maxBytes;
            for (var i = 0; i < _chunks.Count; i++)
            {
                counts[i] = (int)Math.Min(_used[i], left);
                left -= counts[i];
            }

            var length = 0;
            for (var i = 0; i < _chunks.Count; i++)
            {
                length += Utf8.GetCharCount(_chunks[i], 0, counts[i]);
            }

            if (length == 0)
            {
                return string.Empty;
            }

            // Allocated once at its final length and filled in place: netstandard2.0 has no
            // String.Create, and decoding through a char[] would touch twice the memory.
            var text = new string('\0', length);
            fixed (char* start = text)
            {
                var written = 0;
                for (var i = 0; i < _chunks.Count; i++)
                {
                    fixed (byte* chunk = _chunks[i])
                    {
                        written += Utf8.GetChars(chunk, counts[i], start + written, length - written);
                    }
                }
            }

            return text;
        }

        /// <summary>
        /// Adds a chunk. Each chunk is decoded on its own, so a UTF-8 sequence cut off at the end of the
        /// full chunk moves to the new one.
        /// </summary>
        private void StartChunk()
        {
            var last = _chunks.Count - 1;
            var chunk = new byte[last < 0 ? FirstChunk : Math.Min(LargestChunk, _chunks[last].Length * 2)];
            var carried = last < 0 ? 0 : IncompleteTail(_chunks[last], _used[last]);
            if (carried > 0)
            {
                Buffer.BlockCopy(_chunks[last], _used[last] - carried, chunk, 0, carried);
                _used[last] -= carried;
            }

            _chunks.Add(chunk);
            _used.Add(carried);
        }

        /// <summary>How many bytes at the end start a UTF-8 sequence that needs more bytes than are there (0 to 3).</summary>
        private static int IncompleteTail(byte[] bytes, int used)
        {
            for (var back = 1; back <= Math.Min(3, used); back++)
            {
                var b = bytes[used - back];
                if ((b & 0xC0) == 0x80)
                {
                    continue; // a continuation byte: the lead is further back
                }

                var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                return needed > back ? back : 0;
            }

            return 0;
        }
    }
}
