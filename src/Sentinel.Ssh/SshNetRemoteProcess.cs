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
    /// <summary>One exec channel. Output streams are read by the caller while the command runs, without a thread waiting on each.</summary>
    internal sealed class SshNetRemoteProcess : IRemoteProcess
    {
        private readonly SshCommand _command;
        private readonly string _computerName;
        private readonly CancellationTokenSource _terminate = new CancellationTokenSource();
        private readonly CommandOutputStream _output;
        private readonly CommandOutputStream _error;
        private bool _terminateRequested;

        public SshNetRemoteProcess(SshCommand command, string computerName)
        {
            _command = command;
            _computerName = computerName;

            // Cancelling this token makes SSH.NET send "signal TERM"; OpenSSH delivers it to the
            // command's whole process group, then the channel closes. Dropbear signals only the
            // process it started (the login shell running the command line), not its children.
            var execution = command.ExecuteAsync(_terminate.Token);
            var channel = CommandChannel.Of(command); // null when the command has already ended
            if (channel != null)
            {
                ChannelWindowRefill.Attach(channel);
            }

            (_output, _error) = CommandOutputStream.Attach(command.OutputStream, command.ExtendedOutputStream, channel);
            Completion = CompleteAsync(execution);
        }

        public Stream StandardOutput => _output;

        public Stream StandardError => _error;

        public Stream OpenStandardInput() => _command.CreateInputStream();

        public Task<RemoteExit> Completion { get; }

        /// <summary>
        /// Signals at once, on the caller's thread, so the signal leaves before anything closes the
        /// connection; SSH.NET's own cancellation (it signals again, waits up to 500 ms for the exit, then
        /// closes the channel and waits for the server's close) runs on a pool thread, so a stop never
        /// waits for the server. Without the immediate path (another SSH.NET build) it runs here, as before.
        /// </summary>
        public void Terminate()
        {
            Volatile.Write(ref _terminateRequested, true);
            if (ChannelSignal.TrySend(_command, "TERM"))
            {
                ThreadPool.QueueUserWorkItem(_ => CancelExecution());
            }
            else
            {
                CancelExecution();
            }
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
            EndOutput();
            _terminate.Dispose();
        }

        private void EndOutput()
        {
            _output.End();
            _error.End();
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
            finally
            {
                // SSH.NET completes the execution on a pool thread once the channel closed (or the
                // connection was lost), after the channel's last data: the pipes are complete, and
                // the readers finish here, before the exit is reported.
                EndOutput();
            }

            return new RemoteExit(_command.ExitStatus, _command.ExitSignal);
        }
    }
}
