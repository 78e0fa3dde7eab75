using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Platform;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Execution
{
    /// <summary>
    /// Runs one command on one session: output drained as it arrives, stdin fed or at end-of-file,
    /// sudo without leaks or hangs, and a timeout, a stop or a dead server that end it on the host.
    /// </summary>
    internal static class CommandRunner
    {
        /// <summary>What stderr keeps under sudo at least: sudo's refusals are a few lines.</summary>
        private const long SudoDiagnosticBytes = 64 * 1024;

        public static Task<CommandResult> RunAsync(SentinelSession session, LiveConnection connection, CommandRequest request, CancellationToken stop) =>
            RunAsync(session, connection, request, null, stop);

        /// <param name="freshConnection">
        /// A connection of the run's own for one channel, for a server that closes the connection after
        /// one channel (tinysshd); null keeps every channel on <paramref name="connection"/>.
        /// </param>
        public static async Task<CommandResult> RunAsync(SentinelSession session, LiveConnection connection, CommandRequest request, Func<CancellationToken, Task<LiveConnection>>? freshConnection, CancellationToken stop)
        {
            var startTime = DateTime.Now;
            var clock = Stopwatch.StartNew();
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                if (request.Timeout.HasValue)
                {
                    deadline.CancelAfter(request.Timeout.Value);
                }

                var run = new Run(session, connection, request, freshConnection, deadline.Token, stop);
                var attempt = request.Sudo
                    ? await RunUnderSudoAsync(run).ConfigureAwait(false)
                    : await run.ExecuteAsync(marker => SudoCommandLine.Plain(request.Command, request.Input != null, marker), null, sendPassword: false).ConfigureAwait(false);
                return new CommandResult(
                    session.ComputerName,
                    session.Id,
                    request.Command,
                    request.Sudo,
                    attempt.Exit.ExitCode,
                    attempt.Exit.ExitSignal,
                    attempt.Output.Text(),
                    attempt.Error.Text(request.MaxOutputBytes),
                    startTime,
                    clock.Elapsed,
                    attempt.Output.TotalBytes,
                    attempt.Error.TotalBytes,
                    attempt.Output.Truncated || attempt.Error.TotalBytes > request.MaxOutputBytes);
            }
        }

        /// <summary>
        /// sudo in two steps, so the password reaches sudo and nothing else. First sudo with an askpass
        /// that answers nothing (<see cref="SudoCommandLine.WithoutPassword"/>): a NOPASSWD rule (or a
        /// cached login) runs the command and the password is never sent. Only when sudo asked for a
        /// password, which the marker made for that attempt shows on stderr, does a second run,
        /// <c>sudo -k -S</c> with a prompt made for this command, get the password, written after that
        /// prompt appears. A command that only prints sudo's words ran: its result is returned, never
        /// run again. Both put the whole line under sudo, so the first step runs all of it as root or
        /// none of it, and nothing ever runs twice or unprivileged.
        /// </summary>
        private static async Task<Attempt> RunUnderSudoAsync(Run run)
        {
            var request = run.Request;
            var marker = NewSudoPrompt();
            var attempt = await run.ExecuteAsync(processMarker => SudoCommandLine.WithoutPassword(request.Command, request.Input != null, marker, processMarker), marker, sendPassword: false).ConfigureAwait(false);
            var refusal = SudoRefusalReader.OfFirstAttempt(attempt);
            if (refusal == SudoRefusal.PasswordRequired && request.SudoPassword != null)
            {
                var prompt = NewSudoPrompt();
                attempt = await run.ExecuteAsync(processMarker => SudoCommandLine.WithPassword(request.Command, prompt, processMarker), prompt, sendPassword: true).ConfigureAwait(false);
                refusal = SudoRefusalReader.Of(attempt);
            }

            var host = run.Session.ComputerName;
            var user = run.Session.UserName;
            switch (refusal)
            {
                case SudoRefusal.None:
                    return attempt;
                case SudoRefusal.PasswordRequired:
                    throw SudoErrors.PasswordRequired(host, user, request.Command, ShellSyntax.Find(request.Command));
                case SudoRefusal.PasswordWrong:
                    throw SudoErrors.PasswordWrong(host, user);
                case SudoRefusal.RequiresTty:
                    throw SudoErrors.RequiresTty(host, user);
                case SudoRefusal.NotInstalled:
                    throw SudoErrors.NotInstalled(host);
                default:
                    throw SudoErrors.NotAllowed(host, user, request.Command, attempt.Error.Text(), ShellSyntax.Find(request.Command));
            }
        }

        /// <summary>A prompt (or marker) for one sudo attempt: random, so no output can fake it, and without '%', which sudo would expand.</summary>
        private static string NewSudoPrompt() => "[sentinel-sudo:" + Guid.NewGuid().ToString("N") + "]";

        /// <summary>The marker of one channel's wrapper line on stderr (<see cref="ProcessMarkerStream"/>): random, so no output can fake it.</summary>
        private static string NewProcessMarker() => "[sentinel-pid:" + Guid.NewGuid().ToString("N") + "]";

        /// <summary>What one exec channel did.</summary>
        internal sealed class Attempt
        {
            public Attempt(RemoteExit exit, OutputCollector output, OutputCollector error, int prompts)
            {
                Exit = exit;
                Output = output;
                Error = error;
                Prompts = prompts;
            }

            public RemoteExit Exit { get; }

            public OutputCollector Output { get; }

            public OutputCollector Error { get; }

            /// <summary>How many times sudo showed our prompt (or, on the first attempt, ran the askpass with our marker).</summary>
            public int Prompts { get; }
        }

        /// <summary>One command's run: its session, request and tokens, for each exec channel it opens.</summary>
        private sealed class Run
        {
            private readonly CancellationToken _deadline;
            private readonly CancellationToken _stop;
            private readonly LiveConnection _sessionConnection;
            private readonly Func<CancellationToken, Task<LiveConnection>>? _freshConnection;

            public Run(SentinelSession session, LiveConnection connection, CommandRequest request, Func<CancellationToken, Task<LiveConnection>>? freshConnection, CancellationToken deadline, CancellationToken stop)
            {
                Session = session;
                _sessionConnection = connection;
                Connection = connection;
                Request = request;
                _deadline = deadline;
                _stop = stop;
                _freshConnection = freshConnection;
            }

            public SentinelSession Session { get; }

            /// <summary>The connection the current channel runs on: the session's, or one of its own for a server that allows one channel per connection.</summary>
            public LiveConnection Connection { get; private set; }

            public CommandRequest Request { get; }

            /// <param name="buildLine">The line to send, given the marker its wrapper writes on stderr with the command's PID.</param>
            /// <param name="sudoPrompt">When set, cut out of stderr and counted in <see cref="Attempt.Prompts"/>.</param>
            /// <param name="sendPassword">The password is written after the first <paramref name="sudoPrompt"/>, and a second one (a refused password) ends the run.</param>
            public async Task<Attempt> ExecuteAsync(Func<string, string> buildLine, string? sudoPrompt, bool sendPassword)
            {
                var processMarker = NewProcessMarker();
                var commandLine = buildLine(processMarker);
                IRemoteProcess process;
                try
                {
                    process = await StartAsync(commandLine).ConfigureAwait(false);
                }
                catch
                {
                    CloseOwnConnection();
                    throw;
                }

                try
                {
                    using (process)
                    {
                        return await ExecuteStartedAsync(process, processMarker, sudoPrompt, sendPassword).ConfigureAwait(false);
                    }
                }
                finally
                {
                    Connection.Channels.Release();
                    CloseOwnConnection();
                }
            }

            /// <summary>A connection this run opened for one channel closes with it; the next channel starts from the session's.</summary>
            private void CloseOwnConnection()
            {
                if (Connection != _sessionConnection)
                {
                    Connection.Dispose();
                    Connection = _sessionConnection;
                }
            }

            /// <summary>
            /// Opens the command's channel within its connection's budget. A refused open with other
            /// channels open teaches the budget and waits for one of them to end; one refused (or cut off)
            /// with none open, on a connection that carried channels before, is a server closing the
            /// connection after its channel: this channel opens on a fresh connection (and, once the
            /// session knows the server always does that, every channel). Nothing has run when an open
            /// fails, so trying again is safe.
            /// </summary>
            private async Task<IRemoteProcess> StartAsync(string commandLine)
            {
                var closedAfterItsChannels = false;
                while (true)
                {
                    if (_freshConnection != null && (closedAfterItsChannels || Session.Live.OneChannelPerConnection))
                    {
                        await UseFreshConnectionAsync().ConfigureAwait(false);
                    }

                    await TakeChannelPlaceAsync().ConfigureAwait(false);
                    var connection = Connection;
                    var openBeside = connection.Channels.InUse - 1;
                    if (_freshConnection != null && openBeside == 0 && !await StillOpenAsync(connection).ConfigureAwait(false))
                    {
                        // Closed by the server after its one channel: this channel opens on a fresh connection.
                        connection.Channels.Release();
                        Session.Live.NoteClosedAfterOneChannel(connection);
                        closedAfterItsChannels = true;
                        continue;
                    }

                    var starting = Task.Factory.StartNew(() => connection.Connection.Start(commandLine), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                    try
                    {
                        // Start blocks until the server opens the channel, which a frozen server never does.
                        var process = await WaitToStartAsync(starting).ConfigureAwait(false);
                        connection.ChannelOpened();
                        return process;
                    }
                    catch (Exception) when (starting.IsFaulted && IsOpenFailure(starting.Exception!.GetBaseException()))
                    {
                        var failure = starting.Exception!.GetBaseException();
                        var refused = failure is ChannelRefusedException;
                        var learnt = refused && connection.Channels.Refused(openBeside);
                        connection.Channels.Release();
                        if (learnt)
                        {
                            continue;
                        }

                        if (_freshConnection != null && openBeside == 0 && connection.ChannelsOpened > 0)
                        {
                            Session.Live.NoteClosedAfterOneChannel(connection);
                            closedAfterItsChannels = true;
                            continue;
                        }

                        if (refused)
                        {
                            throw ConnectionErrors.ChannelLimit(Session.ComputerName, failure.Message, failure);
                        }

                        throw;
                    }
                    catch
                    {
                        AbandonStart(connection, starting);
                        throw;
                    }
                }
            }

            private async Task<bool> StillOpenAsync(LiveConnection connection)
            {
                var check = connection.StillOpenAfterItsChannelAsync();
                try
                {
                    return await WaitToStartAsync(check).ConfigureAwait(false);
                }
                catch
                {
                    connection.Channels.Release();
                    throw;
                }
            }

            private static bool IsOpenFailure(Exception e) => e is ChannelRefusedException || (e is SentinelException lost && lost.ErrorId == ErrorIds.ConnectionLost);

            private async Task UseFreshConnectionAsync()
            {
                CloseOwnConnection();

                // Not raced against the session connection's keepalive: the server closed that one, and
                // its verdict says nothing of a fresh connection. The connect itself honours the deadline.
                try
                {
                    Connection = await _freshConnection!(_deadline).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_deadline.IsCancellationRequested)
                {
                    ThrowNotStarted(null);
                    throw;
                }
            }

            private async Task TakeChannelPlaceAsync()
            {
                // The deadline covers the wait for a channel place and the channel's opening too: a
                // command that could not start in time fails and never starts late.
                var channels = Connection.Channels;
                var place = channels.AcquireAsync(_deadline);
                try
                {
                    await WaitToStartAsync(place).ConfigureAwait(false);
                }
                catch
                {
                    // Given up while waiting: a place granted after all goes back at once.
                    _ = place.ContinueWith(_ => channels.Release(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                    throw;
                }

                if (_deadline.IsCancellationRequested)
                {
                    // The place came as the deadline passed: too late to start.
                    channels.Release();
                    ThrowNotStarted(null);
                }
            }

            /// <summary>The place stays taken until an abandoned start returns; a late channel is ended unused.</summary>
            private static void AbandonStart(LiveConnection connection, Task<IRemoteProcess> starting) =>
                _ = starting.ContinueWith(
                    late =>
                    {
                        try
                        {
                            if (late.Status == TaskStatus.RanToCompletion)
                            {
                                using (late.Result)
                                {
                                    late.Result.Terminate();
                                }
                            }
                            else
                            {
                                _ = late.Exception; // observed: the run has already failed
                            }
                        }
                        finally
                        {
                            connection.Channels.Release();
                        }
                    },
                    TaskScheduler.Default);

            /// <summary>Waits for <paramref name="task"/>, a step before the command starts, unless the deadline passes or the connection is lost first.</summary>
            private async Task<T> WaitToStartAsync<T>(Task<T> task)
            {
                await WaitToStartAsync((Task)task).ConfigureAwait(false);
                return await task.ConfigureAwait(false);
            }

            private async Task WaitToStartAsync(Task task)
            {
                var ended = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (_deadline.Register(() => ended.TrySetResult(true)))
                {
                    var first = await Task.WhenAny(task, ended.Task, Connection.Lost).ConfigureAwait(false);
                    if (first == task && !task.IsCanceled)
                    {
                        await task.ConfigureAwait(false);
                        return;
                    }

                    ThrowNotStarted(first == Connection.Lost ? Connection.Lost.Result : null);
                }
            }

            private void ThrowNotStarted(string? lostReason)
            {
                _stop.ThrowIfCancellationRequested();
                if (lostReason != null)
                {
                    throw ConnectionErrors.Lost(Session.ComputerName, lostReason);
                }

                throw CommandErrors.NotStartedInTime(Session.ComputerName, Request.Command, Request.Timeout!.Value);
            }

            private async Task<Attempt> ExecuteStartedAsync(IRemoteProcess process, string processMarker, string? sudoPrompt, bool sendPassword)
            {
                var prompts = 0;
                var passwordRefused = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var failed = new TaskCompletionSource<SentinelException>(TaskCreationOptions.RunContinuationsAsynchronously);
                var remoteProcess = new ProcessMarkerStream(process.StandardError, processMarker);
                Stream errorSource = remoteProcess;
                if (sudoPrompt != null)
                {
                    // Called as stderr is read: the write goes to a task of its own, so a slow or
                    // failing stdin neither blocks the reading nor escapes onto its thread.
                    errorSource = new PromptFilterStream(remoteProcess, Encoding.UTF8.GetBytes(sudoPrompt), () =>
                    {
                        var seen = Interlocked.Increment(ref prompts);
                        if (!sendPassword)
                        {
                            // The first attempt's askpass answers nothing; the marker is only counted.
                            return;
                        }

                        if (seen == 1)
                        {
                            ReportFault(Task.Run(() => WritePasswordThenInput(process.OpenStandardInput)), failed, "write the sudo password or the input", ErrorCategory.WriteError);
                        }
                        else
                        {
                            passwordRefused.TrySetResult(true);
                        }
                    });
                }

                var output = OutputCollector.Start(process.StandardOutput, Request.MaxOutputBytes, Request.OnOutputLine);
                // Under sudo, stderr keeps at least sudo's own diagnostics whatever -MaxOutputBytes says,
                // or a cut refusal ("sudo: a pass") could not be read; the result is cut to the limit.
                var errorLimit = Request.Sudo ? Math.Max(Request.MaxOutputBytes, SudoDiagnosticBytes) : Request.MaxOutputBytes;
                var error = OutputCollector.Start(errorSource, errorLimit);
                ReportFault(output.Completion, failed, "read the output", ErrorCategory.ReadError);
                ReportFault(error.Completion, failed, "read the error output", ErrorCategory.ReadError);
                if (!sendPassword && Request.Input != null)
                {
                    ReportFault(Task.Run(() => WriteAndClose(process.OpenStandardInput, Request.Input)), failed, "write the input", ErrorCategory.WriteError);
                }

                var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (_deadline.Register(() => stopped.TrySetResult(true)))
                {
                    var first = await Task.WhenAny(process.Completion, stopped.Task, Connection.Lost, passwordRefused.Task, failed.Task).ConfigureAwait(false);
                    if (first != process.Completion)
                    {
                        process.Terminate();
                        _stop.ThrowIfCancellationRequested();
                        if (first == Connection.Lost)
                        {
                            throw ConnectionErrors.Lost(Session.ComputerName, Connection.Lost.Result);
                        }

                        if (first == passwordRefused.Task)
                        {
                            return new Attempt(new RemoteExit(null, "TERM"), output, error, prompts);
                        }

                        if (first == failed.Task)
                        {
                            throw failed.Task.Result;
                        }

                        throw await TimedOutAsync(remoteProcess).ConfigureAwait(false);
                    }
                }

                var exit = await process.Completion.ConfigureAwait(false);
                try
                {
                    await Task.WhenAll(output.Completion, error.Completion).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // A collector failed after the command ended: its fault is reported as for any other.
                    throw await failed.Task.ConfigureAwait(false);
                }

                if (remoteProcess.ProcessId == null && Request.FailWhenNotRun)
                {
                    // The wrapper writes its line before anything of the command runs: without it, what
                    // ended here was not the command (a ForceCommand's own program, internal-sftp).
                    throw CommandErrors.NotRun(Session.ComputerName, Request.Command, exit, Printed(output, error));
                }

                return new Attempt(exit, output, error, prompts);
            }

            /// <summary>
            /// The timeout's error, claiming only what Sentinel saw: the signal went with the channel's
            /// end, but a server may refuse it or deliver it to one process only, so the group the wrapper
            /// reported is ended from a second channel and checked gone. Without that proof the message
            /// says the command may still be running, with its PID when known.
            /// </summary>
            private async Task<SentinelException> TimedOutAsync(ProcessMarkerStream remoteProcess)
            {
                var processId = remoteProcess.ProcessId;
                var ended = processId.HasValue && remoteProcess.LeadsGroup && await EndProcessGroupAsync(processId.Value).ConfigureAwait(false);
                return ended
                    ? CommandErrors.Timeout(Session.ComputerName, Request.Command, Request.Timeout!.Value)
                    : CommandErrors.TimeoutMayStillRun(Session.ComputerName, Request.Command, Request.Timeout!.Value, processId, Request.Sudo);
            }

            /// <summary>
            /// True when a second channel ended the process group, or found it gone, within
            /// <see cref="RemoteProcessGroup.CheckLimit"/>. Where the session's connection opens no second
            /// channel (MaxSessions 1, a server that allows one channel per connection), or the check there
            /// did not see the group gone, it runs once more on a fresh connection to the same host key.
            /// </summary>
            private async Task<bool> EndProcessGroupAsync(int processGroup)
            {
                var line = SudoCommandLine.ForLoginShell(RemoteProcessGroup.EndCommand(processGroup, Request.Sudo), hasInput: false, NewProcessMarker());
                // Bounded, and cut short by a stop: then the message says what is known, that it may still run.
                using (var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop))
                {
                    limit.CancelAfter(RemoteProcessGroup.CheckLimit);
                    var ended = await CheckOnAsync(Connection, line, limit.Token).ConfigureAwait(false);
                    if (ended == true || _freshConnection == null || limit.IsCancellationRequested)
                    {
                        return ended ?? false;
                    }

                    // No channel there, or no answer that the group is gone: once more, on a connection of its own.
                    try
                    {
                        using (var fresh = await _freshConnection(limit.Token).ConfigureAwait(false))
                        {
                            return await CheckOnAsync(fresh, line, limit.Token).ConfigureAwait(false) ?? false;
                        }
                    }
                    catch (Exception)
                    {
                        // No fresh connection in time (or at all): not proven ended.
                        return false;
                    }
                }
            }

            /// <summary>Runs the process-group check on <paramref name="connection"/>: null when no channel opened there, else whether the group is gone.</summary>
            private static async Task<bool?> CheckOnAsync(LiveConnection connection, string line, CancellationToken limit)
            {
                var expired = Task.Delay(Timeout.Infinite, limit);
                var starting = Task.Factory.StartNew(() => connection.Connection.Start(line), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                if (await Task.WhenAny(starting, expired).ConfigureAwait(false) != starting)
                {
                    // A channel opened too late is ended unused.
                    _ = starting.ContinueWith(
                        late =>
                        {
                            if (late.Status != TaskStatus.RanToCompletion)
                            {
                                _ = late.Exception; // observed: the check has already failed
                                return;
                            }

                            using (late.Result)
                            {
                                late.Result.Terminate();
                            }
                        },
                        TaskScheduler.Default);
                    return false;
                }

                if (starting.Status != TaskStatus.RanToCompletion)
                {
                    _ = starting.Exception; // observed: no channel here (a session limit, a closed connection)
                    return null;
                }

                try
                {
                    using (var check = starting.Result)
                    {
                        var output = OutputCollector.Start(check.StandardOutput, 1024);
                        var error = OutputCollector.Start(check.StandardError, 1024);
                        if (await Task.WhenAny(check.Completion, expired).ConfigureAwait(false) != check.Completion)
                        {
                            check.Terminate();
                            return false;
                        }

                        await Task.WhenAll(check.Completion, output.Completion, error.Completion).ConfigureAwait(false);
                        return output.Text().Trim() == RemoteProcessGroup.Gone;
                    }
                }
                catch (Exception)
                {
                    // The check's channel failed midway: not proven ended.
                    return false;
                }
            }

            /// <summary>What a channel printed, both streams, cut short enough for a message.</summary>
            private static string Printed(OutputCollector output, OutputCollector error)
            {
                const int MaxShown = 300;
                var text = string.Join(" | ", new[] { output.Text().Trim(), error.Text().Trim() }.Where(part => part.Length > 0));
                return text.Length > MaxShown ? text.Substring(0, MaxShown) + "..." : text;
            }

            /// <summary>Turns a background task's failure into this command's error, observed by the run.</summary>
            private void ReportFault(Task task, TaskCompletionSource<SentinelException> failed, string what, ErrorCategory category) =>
                task.ContinueWith(
                    t => failed.TrySetResult(CommandErrors.Failed(Session.ComputerName, Request.Command, what, category, t.Exception!.GetBaseException())),
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);

            // Runs on a task of its own: every failure ends in the returned task, never on a raw thread.
            private void WritePasswordThenInput(Func<Stream> openStdin)
            {
                var password = Secrets.ToUtf8(Request.SudoPassword!);
                try
                {
                    var stdin = openStdin();
                    stdin.Write(password, 0, password.Length);
                    stdin.WriteByte((byte)'\n');
                    stdin.Flush();

                    // sudo reads its password a byte at a time up to the newline: what follows is the command's.
                    WriteAndClose(() => stdin, Request.Input ?? Array.Empty<byte>());
                }
                catch (Exception e) when (IsChannelGone(e))
                {
                    // The channel closed under us; the run's outcome says why.
                }
                finally
                {
                    Array.Clear(password, 0, password.Length);
                }
            }

            private static void WriteAndClose(Func<Stream> openStdin, byte[] input)
            {
                try
                {
                    var stdin = openStdin();
                    stdin.Write(input, 0, input.Length);
                    stdin.Dispose(); // sends end-of-file
                }
                catch (Exception e) when (IsChannelGone(e))
                {
                    // The command ended without reading all its input, as `head` does, or before we began.
                }
            }

            private static bool IsChannelGone(Exception e) => e is IOException || e is ObjectDisposedException || e is InvalidOperationException;
        }
    }
}
