using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Sentinel.Errors;
using Sentinel.Transport;

namespace Sentinel.Ssh
{
    /// <summary>One exec channel. Output streams are read by the caller while the command runs.</summary>
    internal sealed class SshNetRemoteProcess : IRemoteProcess
    {
        private readonly SshCommand _command;
        private readonly string _computerName;
        private readonly CancellationTokenSource _terminate = new CancellationTokenSource();
        private bool _terminateRequested;

        public SshNetRemoteProcess(SshCommand command, string computerName)
        {
            _command = command;
            _computerName = computerName;

            // Cancelling this token makes SSH.NET send "signal TERM"; OpenSSH delivers it to the
            // command's whole process group, then the channel closes.
            Completion = CompleteAsync(command.ExecuteAsync(_terminate.Token));
        }

        public Stream StandardOutput => _command.OutputStream;

        public Stream StandardError => _command.ExtendedOutputStream;

        public Stream OpenStandardInput() => _command.CreateInputStream();

        public Task<RemoteExit> Completion { get; }

        /// <summary>
        /// Sends the signal from a pool thread: SSH.NET's cancellation waits up to 500 ms for the exit on
        /// the calling thread, and a stop must not wait for the server.
        /// </summary>
        public void Terminate()
        {
            Volatile.Write(ref _terminateRequested, true);
            ThreadPool.QueueUserWorkItem(_ => CancelExecution());
        }

        /// <summary>
        /// A terminated command is disposed once its channel has ended (or SSH.NET gave up waiting):
        /// disposing earlier waits for the channel to close on the caller's thread, which would hold a
        /// Ctrl+C up to SSH.NET's channel-close timeout.
        /// </summary>
        public void Dispose()
        {
            if (Volatile.Read(ref _terminateRequested))
            {
                // On a pool thread: the continuation must not run on SSH.NET's listener thread, which closes channels.
                Completion.ContinueWith(_ => DisposeNow(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                return;
            }

            DisposeNow();
        }

        private void CancelExecution()
        {
            try
            {
                _terminate.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already finished and disposed: nothing left to end.
            }
        }

        private void DisposeNow()
        {
            _command.Dispose();
            _terminate.Dispose();
        }

        private async Task<RemoteExit> CompleteAsync(Task execution)
        {
            try
            {
                await execution.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_terminate.IsCancellationRequested)
            {
                // Ended on request: report whatever exit the server sent before the channel closed.
            }
            catch (Exception e) when (e is SshException || e is ObjectDisposedException || e is System.Net.Sockets.SocketException)
            {
                throw ConnectionErrors.Lost(_computerName, e.Message, e);
            }

            return new RemoteExit(_command.ExitStatus, _command.ExitSignal);
        }
    }
}
