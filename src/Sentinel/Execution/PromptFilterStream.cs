using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Execution
{
    /// <summary>
    /// Reads a stream with every occurrence of a prompt cut out, calling back at each one. Used on
    /// sudo's stderr: the prompt is a random string made for one command, so nothing the command
    /// prints can fake it, and it never reaches the result's Error.
    /// </summary>
    internal sealed class PromptFilterStream : Stream
    {
        private readonly Stream _inner;
        private readonly byte[] _prompt;
        private readonly Action _onPrompt;
        private readonly byte[] _buffer = new byte[64 * 1024];
        private byte[] _heldBack = Array.Empty<byte>();
        private byte[] _ready = Array.Empty<byte>();
        private int _readyOffset;

        public PromptFilterStream(Stream inner, byte[] prompt, Action onPrompt)
        {
            _inner = inner;
            _prompt = prompt;
            _onPrompt = onPrompt;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (_readyOffset == _ready.Length)
            {
                var read = await _inner.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (_heldBack.Length == 0)
                    {
                        return 0;
                    }

                    _ready = _heldBack;
                    _heldBack = Array.Empty<byte>();
                }
                else
                {
                    _ready = Filter(Concat(_heldBack, _buffer, read));
                }

                _readyOffset = 0;
            }

            var take = Math.Min(count, _ready.Length - _readyOffset);
            Array.Copy(_ready, _readyOffset, buffer, offset, take);
            _readyOffset += take;
            return take;
        }

        private byte[] Filter(byte[] data)
        {
            var passed = new MemoryStream(data.Length);
            var start = 0;
            int found;
            while ((found = IndexOf(data, _prompt, start)) >= 0)
            {
                passed.Write(data, start, found - start);
                start = found + _prompt.Length;
                _onPrompt();
            }

            // Keep back a tail that could be the start of a prompt split across two reads.
            var hold = PromptPrefixAtEnd(data, start);
            passed.Write(data, start, data.Length - start - hold);
            _heldBack = new byte[hold];
            Array.Copy(data, data.Length - hold, _heldBack, 0, hold);
            return passed.ToArray();
        }

        private int PromptPrefixAtEnd(byte[] data, int from)
        {
            for (var length = Math.Min(_prompt.Length - 1, data.Length - from); length > 0; length--)
            {
                if (Matches(data, data.Length - length, _prompt, length))
                {
                    return length;
                }
            }

            return 0;
        }

        private static int IndexOf(byte[] data, byte[] pattern, int from)
        {
            // Jump between occurrences of the prompt's first byte (a vectorised search): output
            // passes through at memory speed, whatever the command prints.
            for (var i = Array.IndexOf(data, pattern[0], from); i >= 0 && i <= data.Length - pattern.Length; i = Array.IndexOf(data, pattern[0], i + 1))
            {
                if (Matches(data, i, pattern, pattern.Length))
                {
                    return i;
                }
            }

            return -1;
        }

        private static bool Matches(byte[] data, int at, byte[] pattern, int length)
        {
            for (var j = 0; j < length; j++)
            {
                if (data[at + j] != pattern[j])
                {
                    return false;
                }
            }

            return true;
        }

        private static byte[] Concat(byte[] first, byte[] second, int secondLength)
        {
            var all = new byte[first.Length + secondLength];
            Array.Copy(first, all, first.Length);
            Array.Copy(second, 0, all, first.Length, secondLength);
            return all;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
