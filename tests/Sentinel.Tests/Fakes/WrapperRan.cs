using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Transport;

namespace Sentinel.Tests.Fakes
{
    /// <summary>
    /// A fake process as the real wrapper makes it: its stderr starts with the wrapper's line (marker
    /// and PID), which the command runner requires as the sign that the line ran. Fakes that answer a
    /// runner line hand out their processes through <see cref="For"/>.
    /// </summary>
    internal sealed class WrapperRan : IRemoteProcess
    {
        /// <summary>The PID fakes report for a command.</summary>
        public const int ProcessId = 4100;

        private readonly IRemoteProcess _inner;

        private WrapperRan(IRemoteProcess inner, byte[] wrapperLine)
        {
            _inner = inner;
            StandardError = new PrefixedStream(wrapperLine, inner.StandardError);
        }

        /// <summary><paramref name="process"/> with the wrapper's line first on stderr, when <paramref name="line"/> is a runner line.</summary>
        public static IRemoteProcess For(string line, IRemoteProcess process) =>
            line.StartsWith("exec /bin/sh -c ", StringComparison.Ordinal)
                ? new WrapperRan(process, Encoding.UTF8.GetBytes(RunnerLine.ProcessMarkerLine(line, ProcessId)))
                : process;

        public Stream StandardOutput => _inner.StandardOutput;

        public Stream StandardError { get; }

        public Task<RemoteExit> Completion => _inner.Completion;

        public Stream OpenStandardInput() => _inner.OpenStandardInput();

        public void Terminate() => _inner.Terminate();

        public void Dispose() => _inner.Dispose();

        /// <summary>Reads <c>prefix</c>, then the inner stream.</summary>
        private sealed class PrefixedStream : Stream
        {
            private readonly byte[] _prefix;
            private readonly Stream _inner;
            private int _offset;

            public PrefixedStream(byte[] prefix, Stream inner)
            {
                _prefix = prefix;
                _inner = inner;
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                if (_offset < _prefix.Length)
                {
                    var take = Math.Min(count, _prefix.Length - _offset);
                    Array.Copy(_prefix, _offset, buffer, offset, take);
                    _offset += take;
                    return Task.FromResult(take);
                }

                return _inner.ReadAsync(buffer, offset, count, cancellationToken);
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
