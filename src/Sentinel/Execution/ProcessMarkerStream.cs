using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Execution
{
    /// <summary>
    /// Reads a command's stderr with the wrapper's first line cut out: a marker made for this command,
    /// then the PID of the process the command runs in and whether it leads its process group
    /// (<see cref="SudoCommandLine.ForLoginShell"/> writes it). A timeout needs the PID to end what the
    /// server would not. The marker is random, so nothing the command prints is taken for it; text
    /// before it (a login shell's startup files) passes through, and only its first line is taken.
    /// </summary>
    internal sealed class ProcessMarkerStream : Stream
    {
        /// <summary>At most this much of a marker's line is held back waiting for its end; a longer one is not ours.</summary>
        private const int MaxLineAfterMarker = 32;

        private readonly Stream _inner;
        private readonly byte[] _marker;
        private readonly byte[] _buffer = new byte[64 * 1024];
        private byte[] _heldBack = Array.Empty<byte>();
        private byte[] _ready = Array.Empty<byte>();
        private int _readyOffset;
        private bool _done;
        private int _processId;
        private int _leadsGroup;

        public ProcessMarkerStream(Stream inner, string marker)
        {
            _inner = inner;
            _marker = Encoding.UTF8.GetBytes(marker);
        }

        /// <summary>The PID the wrapper reported, or null while none was read.</summary>
        public int? ProcessId
        {
            get
            {
                var id = Volatile.Read(ref _processId);
                return id > 0 ? id : (int?)null;
            }
        }

        /// <summary>True when the reported process leads its own process group, so the group is the command's.</summary>
        public bool LeadsGroup => Volatile.Read(ref _leadsGroup) == 1;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (_done && _readyOffset == _ready.Length)
            {
                return await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            }

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
                    _done = true;
                }
                else
                {
                    var data = new byte[_heldBack.Length + read];
                    Array.Copy(_heldBack, data, _heldBack.Length);
                    Array.Copy(_buffer, 0, data, _heldBack.Length, read);
                    _ready = Filter(data);
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
            var at = IndexOf(data);
            if (at < 0)
            {
                // Keep back a tail that could be the start of the marker split across two reads.
                var hold = MarkerPrefixAtEnd(data);
                _heldBack = Slice(data, data.Length - hold, hold);
                return Slice(data, 0, data.Length - hold);
            }

            var lineStart = at + _marker.Length;
            var end = Array.IndexOf(data, (byte)'\n', lineStart);
            if (end < 0 && data.Length - lineStart <= MaxLineAfterMarker)
            {
                _heldBack = Slice(data, at, data.Length - at);
                return Slice(data, 0, at);
            }

            _done = true;
            _heldBack = Array.Empty<byte>();
            if (end < 0 || !Read(Encoding.ASCII.GetString(data, lineStart, end - lineStart)))
            {
                return data;
            }

            var passed = new byte[data.Length - (end + 1 - at)];
            Array.Copy(data, passed, at);
            Array.Copy(data, end + 1, passed, at, data.Length - end - 1);
            return passed;
        }

        // "<pid> g" for a process that leads its group, "<pid> p" for one that does not.
        private bool Read(string line)
        {
            var parts = line.Split(' ');
            if (parts.Length != 2 || (parts[1] != "g" && parts[1] != "p")
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 1)
            {
                return false;
            }

            Volatile.Write(ref _leadsGroup, parts[1] == "g" ? 1 : 0);
            Volatile.Write(ref _processId, id);
            return true;
        }

        private int MarkerPrefixAtEnd(byte[] data)
        {
            for (var length = Math.Min(_marker.Length - 1, data.Length); length > 0; length--)
            {
                if (Matches(data, data.Length - length, length))
                {
                    return length;
                }
            }

            return 0;
        }

        private int IndexOf(byte[] data)
        {
            for (var i = Array.IndexOf(data, _marker[0]); i >= 0 && i <= data.Length - _marker.Length; i = Array.IndexOf(data, _marker[0], i + 1))
            {
                if (Matches(data, i, _marker.Length))
                {
                    return i;
                }
            }

            return -1;
        }

        private bool Matches(byte[] data, int at, int length)
        {
            for (var j = 0; j < length; j++)
            {
                if (data[at + j] != _marker[j])
                {
                    return false;
                }
            }

            return true;
        }

        private static byte[] Slice(byte[] data, int start, int length)
        {
            var slice = new byte[length];
            Array.Copy(data, start, slice, 0, length);
            return slice;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
