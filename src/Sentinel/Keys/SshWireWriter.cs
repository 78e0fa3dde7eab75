using System.IO;
using System.Text;

namespace Sentinel.Keys
{
    /// <summary>Writes SSH wire-format values (RFC 4251: uint32 big-endian, length-prefixed strings).</summary>
    internal sealed class SshWireWriter
    {
        private readonly MemoryStream _buffer = new MemoryStream();

        public long Length => _buffer.Length;

        public SshWireWriter UInt32(uint value)
        {
            _buffer.WriteByte((byte)(value >> 24));
            _buffer.WriteByte((byte)(value >> 16));
            _buffer.WriteByte((byte)(value >> 8));
            _buffer.WriteByte((byte)value);
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
            _buffer.Write(value, 0, value.Length);
            return this;
        }

        public SshWireWriter Byte(byte value)
        {
            _buffer.WriteByte(value);
            return this;
        }

        public byte[] ToArray() => _buffer.ToArray();
    }
}
