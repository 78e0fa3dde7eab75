using System.Collections.Generic;
using System.Text;

namespace Sentinel.Keys
{
    /// <summary>Writes SSH wire-format values (RFC 4251: uint32 big-endian, length-prefixed strings).</summary>
    internal sealed class SshWireWriter
    {
        // A list, not a MemoryStream: nothing here to dispose.
        private readonly List<byte> _buffer = new List<byte>();

        public long Length => _buffer.Count;

        public SshWireWriter UInt32(uint value)
        {
            _buffer.Add((byte)(value >> 24));
            _buffer.Add((byte)(value >> 16));
            _buffer.Add((byte)(value >> 8));
            _buffer.Add((byte)value);
            return this;
        }

        public SshWireWriter String(byte[] value)
        {
            UInt32((uint)value.Length);
            return Raw(value);
        }

        public SshWireWriter String(string value) => String(Encoding.UTF8.GetBytes(value));

        public SshWireWriter Raw(byte[] value)
        {
            _buffer.AddRange(value);
            return this;
        }

        public SshWireWriter Byte(byte value)
        {
            _buffer.Add(value);
            return this;
        }

        public byte[] ToArray() => _buffer.ToArray();
    }
}
