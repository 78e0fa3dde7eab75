using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Execution
{
    /// <summary>
    /// Drains one output stream of a running command on its own thread, as the bytes arrive, so the
    /// server never stalls on a full window and stdout and stderr cannot deadlock each other. Keeps
    /// at most a fixed number of bytes and counts the rest.
    /// </summary>
    internal sealed class OutputCollector
    {
        // SSH.NET's output stream has no real asynchronous read: a thread-pool read would block a pool
        // thread per stream, so each stream gets a dedicated thread.
        private readonly Thread _thread;
        private readonly Stream _source;
        private readonly ChunkedBytes _kept = new ChunkedBytes();
        private readonly long _limit;
        private readonly TaskCompletionSource<bool> _done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly LineSplitter? _lines;

        private OutputCollector(Stream source, long limit, string name, Action<string>? onLine)
        {
            _source = source;
            _limit = limit;
            _lines = onLine != null ? new LineSplitter(onLine) : null;
            _thread = new Thread(Drain) { IsBackground = true, Name = name };
        }

        /// <summary>Every byte the command wrote to this stream, kept or not.</summary>
        public long TotalBytes { get; private set; }

        public bool Truncated => TotalBytes > _kept.Length;

        /// <summary>Completes when the stream ends (the channel closed); faults with whatever broke the reading.</summary>
        public Task Completion => _done.Task;

        /// <param name="onLine">Called with each complete line as it arrives (for -Stream), on the collector's thread.</param>
        public static OutputCollector Start(Stream source, long limit, string name, Action<string>? onLine = null)
        {
            var collector = new OutputCollector(source, limit, name, onLine);
            collector._thread.Start();
            return collector;
        }

        /// <summary>The kept bytes (at most <paramref name="maxBytes"/> of them) as text; invalid UTF-8 becomes U+FFFD instead of an exception.</summary>
        public string Text(long maxBytes = long.MaxValue) => _kept.Decode(maxBytes);

        // Runs on a raw thread, where an escaping exception would end the whole process: every failure
        // (the stream's, the line callback's) becomes this collector's faulted Completion instead.
        private void Drain()
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int read;
                while ((read = _source.Read(buffer, 0, buffer.Length)) > 0)
                {
                    var room = (int)Math.Max(0, Math.Min(read, _limit - _kept.Length));
                    _kept.Write(buffer, 0, room);
                    TotalBytes += read;
                    _lines?.Add(buffer, read);
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
            private char[] _chars = new char[0];

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
