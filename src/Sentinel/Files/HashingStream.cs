using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace Sentinel.Files
{
    /// <summary>
    /// Passes bytes through and computes their SHA-256 on the way, so a copy is hashed while it is
    /// read or written, without a second pass over the file.
    /// </summary>
    internal sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly SHA256 _sha = SHA256.Create();
        private string? _hash;

        public HashingStream(Stream inner)
        {
            _inner = inner;
        }

        public long BytesHashed { get; private set; }

        /// <summary>The lower-case hex SHA-256 of every byte that passed; call once the copy is done.</summary>
        public string Finish()
        {
            if (_hash == null)
            {
                _sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
                _hash = Hex(_sha.Hash!);
            }

            return _hash;
        }

        /// <summary>The SHA-256 of a local file, read in bounded chunks.</summary>
        public static string OfFile(string path, System.Threading.CancellationToken cancellationToken)
        {
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16))
            using (var hashing = new HashingStream(file))
            {
                var buffer = new byte[1 << 20];
                while (hashing.Read(buffer, 0, buffer.Length) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                return hashing.Finish();
            }
        }

        public static string Hex(byte[] bytes)
        {
            var text = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes)
            {
                text.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }

            return text.ToString();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = _inner.Read(buffer, offset, count);
            Hash(buffer, offset, read);
            return read;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _inner.Write(buffer, offset, count);
            Hash(buffer, offset, count);
        }

        private void Hash(byte[] buffer, int offset, int count)
        {
            if (count > 0)
            {
                _sha.TransformBlock(buffer, offset, count, null, 0);
                BytesHashed += count;
            }
        }

        public override bool CanRead => _inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => _inner.CanWrite;

        public override long Length => _inner.Length;

        public override long Position
        {
            get => BytesHashed;
            set => throw new NotSupportedException();
        }

        public override void Flush() => _inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _sha.Dispose();
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
