using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Transport;

namespace Sentinel.Tests.Fakes
{
    /// <summary>
    /// An IRemoteProcess with scripted stdout/stderr (fed up front or later), captured stdin and a
    /// completion the test controls. By default it exits at once with the given code once its
    /// output is fed; <see cref="HoldOpen"/> keeps it running until <see cref="Exit"/> or Terminate.
    /// Terminate and Dispose end both streams (as a closing channel does) and are recorded.
    /// </summary>
    internal sealed class ScriptedProcess : IRemoteProcess
    {
        private readonly TaskCompletionSource<RemoteExit> _completion = new TaskCompletionSource<RemoteExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _terminateCount;
        private int _disposeCount;

        /// <summary>A process that printed <paramref name="stdout"/> and <paramref name="stderr"/> and exited with <paramref name="exitCode"/>.</summary>
        public ScriptedProcess(string stdout = "", string stderr = "", int? exitCode = 0)
            : this(Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr), exitCode, holdOpen: false)
        {
        }

        private ScriptedProcess(byte[] stdout, byte[] stderr, int? exitCode, bool holdOpen)
        {
            StandardOutput.Feed(stdout);
            StandardError.Feed(stderr);
            if (!holdOpen)
            {
                StandardOutput.End();
                StandardError.End();
                _completion.TrySetResult(new RemoteExit(exitCode, null));
            }
        }

        /// <summary>A process that ran with the given output and keeps running: streams open, not completed.</summary>
        public static ScriptedProcess HoldOpen(string stdout = "", string stderr = "") =>
            new ScriptedProcess(Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr), null, holdOpen: true);

        /// <summary>A process whose output is the given raw bytes.</summary>
        public static ScriptedProcess FromBytes(byte[] stdout, byte[] stderr, int? exitCode = 0) => new ScriptedProcess(stdout, stderr, exitCode, holdOpen: false);

        public ScriptedStream StandardOutput { get; } = new ScriptedStream();

        public ScriptedStream StandardError { get; } = new ScriptedStream();

        Stream IRemoteProcess.StandardOutput => StandardOutput;

        Stream IRemoteProcess.StandardError => StandardError;

        /// <summary>What the command received on stdin (kept after the stream is closed).</summary>
        public StdinCapture StandardInput { get; } = new StdinCapture();

        /// <summary>When set, OpenStandardInput throws it.</summary>
        public Exception? OpenStdinFailure { get; set; }

        public Task<RemoteExit> Completion => _completion.Task;

        public int TerminateCount => Volatile.Read(ref _terminateCount);

        public bool Terminated => TerminateCount > 0;

        public int DisposeCount => Volatile.Read(ref _disposeCount);

        public Stream OpenStandardInput() => OpenStdinFailure != null ? throw OpenStdinFailure : StandardInput;

        /// <summary>Ends the output streams and completes with <paramref name="exitCode"/>.</summary>
        public void Exit(int? exitCode, string? exitSignal = null)
        {
            StandardOutput.End();
            StandardError.End();
            _completion.TrySetResult(new RemoteExit(exitCode, exitSignal));
        }

        /// <summary>Completion fails with <paramref name="exception"/> (for example a lost connection).</summary>
        public void Fail(Exception exception)
        {
            StandardOutput.End();
            StandardError.End();
            _completion.TrySetException(exception);
        }

        public void Terminate()
        {
            Interlocked.Increment(ref _terminateCount);
            Exit(null, "TERM");
        }

        public void Dispose()
        {
            Interlocked.Increment(ref _disposeCount);
            StandardOutput.End();
            StandardError.End();
        }
    }

    /// <summary>
    /// A read-only stream fed by the test: reads wait until bytes are fed, the stream is ended
    /// (end of file), or a failure is set (the next read throws it). ReadAsync waits without a
    /// thread, as the SSH adapter's streams do.
    /// </summary>
    internal sealed class ScriptedStream : Stream
    {
        private readonly object _gate = new object();
        private readonly MemoryStream _pending = new MemoryStream();
        private TaskCompletionSource<bool> _changed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _readPosition;
        private bool _ended;
        private Exception? _failure;

        public void Feed(string text) => Feed(Encoding.UTF8.GetBytes(text));

        public void Feed(byte[] bytes)
        {
            lock (_gate)
            {
                _pending.Write(bytes, 0, bytes.Length);
                Changed();
            }
        }

        public void End()
        {
            lock (_gate)
            {
                _ended = true;
                Changed();
            }
        }

        /// <summary>The next read (after any bytes already fed) throws <paramref name="failure"/>.</summary>
        public void FailWith(Exception failure)
        {
            lock (_gate)
            {
                _failure = failure;
                Changed();
            }
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            lock (_gate)
            {
                int read;
                while (!TryRead(buffer, offset, count, out read))
                {
                    Monitor.Wait(_gate);
                }

                return read;
            }
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (TryRead(buffer, offset, count, out var read))
                    {
                        return read;
                    }

                    changed = _changed.Task;
                }

                await changed.ConfigureAwait(false);
            }
        }

        // Under _gate: false when there is nothing to return yet.
        private bool TryRead(byte[] buffer, int offset, int count, out int read)
        {
            var available = _pending.Length - _readPosition;
            if (available > 0)
            {
                read = (int)Math.Min(available, count);
                Array.Copy(_pending.GetBuffer(), _readPosition, buffer, offset, read);
                _readPosition += read;
                return true;
            }

            if (_failure != null)
            {
                throw _failure;
            }

            read = 0;
            return _ended;
        }

        // Under _gate: wakes blocked and awaiting readers.
        private void Changed()
        {
            Monitor.PulseAll(_gate);
            _changed.TrySetResult(true);
            _changed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The stdin a scripted process got: its bytes survive closing; writes can be made to fail.</summary>
    internal sealed class StdinCapture : Stream
    {
        private readonly MemoryStream _written = new MemoryStream();
        private int _closeCount;

        /// <summary>When set, Write throws it (a password write that fails).</summary>
        public Exception? WriteFailure { get; set; }

        public bool Closed => Volatile.Read(ref _closeCount) > 0;

        public byte[] Bytes
        {
            get
            {
                lock (_written)
                {
                    return _written.ToArray();
                }
            }
        }

        public string Text => Encoding.UTF8.GetString(Bytes);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (WriteFailure != null)
            {
                throw WriteFailure;
            }

            if (Closed)
            {
                throw new ObjectDisposedException(nameof(StdinCapture));
            }

            lock (_written)
            {
                _written.Write(buffer, offset, count);
            }
        }

        public override void Flush()
        {
        }

        /// <summary>Runs once, when the writer first closes stdin: a command that reads to end-of-file can finish there.</summary>
        public Action? OnClose { get; set; }

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Increment(ref _closeCount) == 1)
            {
                OnClose?.Invoke();
            }

            base.Dispose(disposing);
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
