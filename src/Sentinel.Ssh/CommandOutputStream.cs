using System;
using System.IO;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Ssh
{
    /// <summary>
    /// One of an SshCommand's output pipes, read without a waiting thread. SSH.NET's pipe has only a
    /// blocking Read, which would hold a thread per stream for as long as a command runs; this stream
    /// completes a ReadAsync when the channel delivers data or the command ends, and reads the pipe
    /// only when that cannot block (bytes are there, or nothing more will come). Without SSH.NET's
    /// data event (another build) each read blocks a thread of its own, as the collectors once did.
    /// </summary>
    internal sealed class CommandOutputStream : Stream
    {
        private static readonly MethodInfo OnDataMethod = typeof(CommandOutputStream).GetMethod(nameof(OnData), BindingFlags.NonPublic | BindingFlags.Instance)!;

        private readonly Stream _pipe;
        private readonly bool _signalled;
        private readonly object _gate = new object();
        private TaskCompletionSource<bool>? _waiting;
        private bool _ended;

        private CommandOutputStream(Stream pipe, bool signalled)
        {
            _pipe = pipe;
            _signalled = signalled;
        }

        /// <summary>Both pipes of a command whose ExecuteAsync has returned; <see cref="End"/> them when it completes.</summary>
        /// <param name="channel">The command's channel, or null when it has already ended.</param>
        public static (CommandOutputStream Output, CommandOutputStream Error) Attach(Stream output, Stream error, object? channel)
        {
            var signalled = SshNetInternals.CanObserveData;
            var outputStream = new CommandOutputStream(output, signalled);
            var errorStream = new CommandOutputStream(error, signalled);
            if (channel != null && signalled)
            {
                CommandChannel.Observe(channel, SshNetInternals.ChannelDataReceived!, outputStream, OnDataMethod);
                CommandChannel.Observe(channel, SshNetInternals.ChannelExtendedDataReceived!, errorStream, OnDataMethod);
            }

            return (outputStream, errorStream);
        }

        /// <summary>
        /// Nothing more will be written to the pipe (the command ended, or was disposed): the reader takes
        /// what is left, then end of file. Its continuation runs here, on the caller's thread: never SSH.NET's.
        /// </summary>
        public void End()
        {
            TaskCompletionSource<bool>? waiting;
            lock (_gate)
            {
                _ended = true;
                waiting = TakeWaiting();
            }

            waiting?.TrySetResult(true);
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_signalled)
            {
                return await Task.Factory.StartNew(() => _pipe.Read(buffer, offset, count), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            }

            while (true)
            {
                Task arrived;
                lock (_gate)
                {
                    if (_pipe.Length > 0)
                    {
                        break;
                    }

                    if (_ended)
                    {
                        return 0;
                    }

                    _waiting ??= new TaskCompletionSource<bool>();
                    arrived = _waiting.Task;
                }

                await arrived.ConfigureAwait(false);
            }

            // Bytes are in the pipe and only this reader takes them: the read returns at once.
            return _pipe.Read(buffer, offset, count);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        // On SSH.NET's receive thread, after the pipe got the bytes: the reader continues on a pool
        // thread, so nothing it does can throw into or hold up SSH.NET's receive loop.
        private void OnData(object sender, EventArgs e)
        {
            TaskCompletionSource<bool>? waiting;
            lock (_gate)
            {
                waiting = TakeWaiting();
            }

            if (waiting != null)
            {
                ThreadPool.UnsafeQueueUserWorkItem(state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), waiting);
            }
        }

        // Under _gate: the reader's wait, if it waits, which the caller completes outside the lock.
        private TaskCompletionSource<bool>? TakeWaiting()
        {
            var waiting = _waiting;
            _waiting = null;
            return waiting;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
