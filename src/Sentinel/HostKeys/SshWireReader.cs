using System;
using System.Text;

namespace Sentinel.HostKeys
{
    /// <summary>
    /// Reads SSH wire-format values (RFC 4251: uint32, uint64, string) from bytes that came from
    /// another process or host. Every read is bounded by what is left; a length past the end throws
    /// <see cref="FormatException"/>, which callers turn into their own "malformed" answer.
    /// </summary>
    internal sealed class SshWireReader
    {
        private readonly byte[] _data;
        private readonly int _end;
        private int _position;

        public SshWireReader(byte[] data)
            : this(data, 0, data.Length)
        {
        }

        public SshWireReader(byte[] data, int offset, int count)
        {
            _data = data;
            _position = offset;
            _end = offset + count;
        }

        public int Remaining => _end - _position;

        /// <summary>The offset of the next byte to read in the array given.</summary>
        public int Position => _position;

        public byte ReadByte()
        {
            Need(1);
            return _data[_position++];
        }

        public uint ReadUInt32()
        {
            Need(4);
            var value = ((uint)_data[_position] << 24) | ((uint)_data[_position + 1] << 16) | ((uint)_data[_position + 2] << 8) | _data[_position + 3];
            _position += 4;
            return value;
        }

        public ulong ReadUInt64() => ((ulong)ReadUInt32() << 32) | ReadUInt32();

        /// <summary>An SSH string's bytes; its length is checked against what is left before anything is allocated.</summary>
        public byte[] ReadBytes()
        {
            var length = ReadUInt32();
            if (length > (uint)Remaining)
            {
                throw new FormatException($"a length of {length} bytes runs past the end ({Remaining} left)");
            }

            var bytes = new byte[length];
            Buffer.BlockCopy(_data, _position, bytes, 0, (int)length);
            _position += (int)length;
            return bytes;
        }

        /// <summary>An SSH string as UTF-8 text (invalid sequences become U+FFFD, never an exception).</summary>
        public string ReadString() => new UTF8Encoding(false, false).GetString(ReadBytes());

        private void Need(int count)
        {
            if (count > Remaining)
            {
                throw new FormatException($"{count} more bytes expected, {Remaining} left");
            }
        }
    }
}
