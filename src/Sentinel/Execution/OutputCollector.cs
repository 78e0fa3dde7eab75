using System;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace Sentinel.Execution
{
    /// <summary>
    /// Drains one output stream of a running command as the bytes arrive, so the server never stalls
    /// on a full window and stdout and stderr cannot deadlock each other. Keeps at most a fixed number
    /// of bytes and counts the rest. Reads asynchronously: a command holds no thread while it waits
    /// for output (the transport's streams complete a read when the server sends data), so many
    /// running commands cost no more threads than one.
    /// </summary>
    internal sealed class OutputCollector
    {
        private const int BufferBytes = 64 * 1024;

        private readonly Stream _source;
        private readonly ChunkedBytes _kept = new ChunkedBytes();
        private readonly long _limit;
        private readonly TaskCompletionSource<bool> _done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly LineSplitter? _lines;

        private OutputCollector(Stream source, long limit, Action<string>? onLine)
        {
            _source = source;
            _limit = limit;
            _lines = onLine != null ? new LineSplitter(onLine) : null;
        }

        /// <summary>Every byte the command wrote to this stream, kept or not.</summary>
        public long TotalBytes { get; private set; }

        public bool Truncated => TotalBytes > _kept.Length;

        /// <summary>Completes when the stream ends (the channel closed); faults with whatever broke the reading.</summary>
        public Task Completion => _done.Task;

        /// <param name="onLine">Called with each complete line as it arrives (for -Stream), on whichever thread completed the read; it must not block.</param>
        public static OutputCollector Start(Stream source, long limit, Action<string>? onLine = null)
        {
            var collector = new OutputCollector(source, limit, onLine);
            _ = collector.DrainAsync();
            return collector;
        }

        /// <summary>The kept bytes (at most <paramref name="maxBytes"/> of them) as text; invalid UTF-8 becomes U+FFFD instead of an exception.</summary>
        public string Text(long maxBytes = long.MaxValue) => _kept.Decode(maxBytes);

        // Every failure (the stream's, the line callback's) becomes this collector's faulted Completion:
        // nothing escapes onto the thread that completed a read (the transport's own, possibly).
        private async Task DrainAsync()
        {
            // Most commands print nothing or a little: the buffer grows to the full size only for a read that fills it.
            var buffer = new byte[1024];
            try
            {
                int read;
                while ((read = await _source.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
                {
                    var room = (int)Math.Max(0, Math.Min(read, _limit - _kept.Length));
                    _kept.Write(buffer, 0, room);
                    TotalBytes += read;
                    _lines?.Add(buffer, read);
                    if (read == buffer.Length && buffer.Length < BufferBytes)
                    {
                        buffer = new byte[BufferBytes];
                    }
                }

                _lines?.Flush();
            }
            catch (ObjectDisposedException)
            {
                // The command was disposed under us (stop or lost connection): what we have is all.
            }
            catch (Exception e)
            {
                _done.TrySetException(e);
                return;
            }

            _done.TrySetResult(true);
        }

        /// <summary>Turns arriving bytes into lines, decoding UTF-8 across buffer boundaries.</summary>
        private sealed class LineSplitter
        {
            private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
            private readonly StringBuilder _pending = new StringBuilder();
            private readonly Action<string> _onLine;
            private char[] _chars = Array.Empty<char>();

            public LineSplitter(Action<string> onLine)
            {
                _onLine = onLine;
            }

            public void Add(byte[] bytes, int count)
            {
                var needed = _decoder.GetCharCount(bytes, 0, count);
                if (_chars.Length < needed)
                {
                    _chars = new char[needed];
                }

                var decoded = _decoder.GetChars(bytes, 0, count, _chars, 0);
                for (var i = 0; i < decoded; i++)
                {
                    if (_chars[i] == '\n')
                    {
                        Emit();
                    }
                    else
                    {
                        _pending.Append(_chars[i]);
                    }
                }
            }

            public void Flush()
            {
                if (_pending.Length > 0)
                {
                    Emit();
                }
            }

            private void Emit()
            {
                var line = _pending.ToString();
                _pending.Clear();
                _onLine(line.EndsWith("\r", StringComparison.Ordinal) ? line.Substring(0, line.Length - 1) : line);
            }
        }
    }
}
