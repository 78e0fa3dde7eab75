using System;
using System.Diagnostics;
using System.IO;
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
        public static async Task<CommandResult> RunAsync(SentinelSession session, LiveConnection connection, CommandRequest request, CancellationToken stop)
        {
            var startTime = DateTime.Now;
            var clock = Stopwatch.StartNew();
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                if (request.Timeout.HasValue)
                {
                    deadline.CancelAfter(request.Timeout.Value);
                }

                var run = new Run(session, connection, request, deadline.Token, stop);
                var attempt = request.Sudo ? await RunUnderSudoAsync(run).ConfigureAwait(false) : await run.ExecuteAsync(WithStdin(request, request.Command), null).ConfigureAwait(false);
                return new CommandResult(
                    session.ComputerName,
                    session.Id,
                    request.Command,
                    request.Sudo,
                    attempt.Exit.ExitCode,
                    attempt.Exit.ExitSignal,
                    attempt.Output.Text(),
                    attempt.Error.Text(),
                    startTime,
                    clock.Elapsed,
                    attempt.Output.TotalBytes,
                    attempt.Error.TotalBytes,
                    attempt.Output.Truncated || attempt.Error.Truncated);
            }
        }

        // Without input, stdin must be at end-of-file, or a command that reads would wait forever
        // (SSH.NET sends EOF only after at least one byte was written).
        private static string WithStdin(CommandRequest request, string commandLine) => (request.Input == null ? "exec </dev/null; " : string.Empty) + commandLine;

        /// <summary>
        /// sudo in two steps, so the password reaches sudo and nothing else. First <c>sudo -n</c>, which
        /// never reads stdin: a NOPASSWD rule (or a cached login) runs the command and the password is
        /// never sent. Only when sudo answers that it needs a password does a second run, <c>sudo -k -S</c>
        /// with a prompt made for this command, get the password, written after that prompt appears.
        /// </summary>
        private static async Task<Attempt> RunUnderSudoAsync(Run run)
        {
            var request = run.Request;
            var attempt = await run.ExecuteAsync(WithStdin(request, "sudo -n -- " + request.Command), null).ConfigureAwait(false);
            var refusal = SudoRefusalReader.Of(attempt);
            if (refusal == SudoRefusal.PasswordRequired && request.SudoPassword != null)
            {
                var prompt = "[sentinel-sudo:" + Guid.NewGuid().ToString("N") + "]";
                attempt = await run.ExecuteAsync($"sudo -k -S -p {ShellQuote.Quote(prompt)} -- {request.Command}", prompt).ConfigureAwait(false);
                refusal = SudoRefusalReader.Of(attempt);
            }

            var host = run.Session.ComputerName;
            var user = run.Session.UserName;
            switch (refusal)
            {
                case SudoRefusal.None:
                    return attempt;
                case SudoRefusal.PasswordRequired:
                    throw SudoErrors.PasswordRequired(host, user, request.Command);
                case SudoRefusal.PasswordWrong:
                    throw SudoErrors.PasswordWrong(host, user);
                case SudoRefusal.RequiresTty:
                    throw SudoErrors.RequiresTty(host, user);
                case SudoRefusal.NotInstalled:
                    throw SudoErrors.NotInstalled(host);
                default:
                    throw SudoErrors.NotAllowed(host, user, request.Command, attempt.Error.Text());
            }
        }

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

            /// <summary>How many times sudo showed our prompt.</summary>
            public int Prompts { get; }
        }

        /// <summary>One command's run: its session, request and tokens, for each exec channel it opens.</summary>
        private sealed class Run
        {
            private readonly CancellationToken _deadline;
            private readonly CancellationToken _stop;

            public Run(SentinelSession session, LiveConnection connection, CommandRequest request, CancellationToken deadline, CancellationToken stop)
            {
                Session = session;
                Connection = connection;
                Request = request;
                _deadline = deadline;
                _stop = stop;
            }

            public SentinelSession Session { get; }

            public LiveConnection Connection { get; }

            public CommandRequest Request { get; }

            /// <param name="sudoPrompt">When set, the password is written after this prompt, and a second prompt (a refused password) ends the run.</param>
            public async Task<Attempt> ExecuteAsync(string commandLine, string? sudoPrompt)
            {
                await Connection.ChannelSlots.WaitAsync(_stop).ConfigureAwait(false);
                try
                {
                    return await ExecuteInSlotAsync(commandLine, sudoPrompt).ConfigureAwait(false);
                }
                finally
                {
                    Connection.ChannelSlots.Release();
                }
            }

            private async Task<Attempt> ExecuteInSlotAsync(string commandLine, string? sudoPrompt)
            {
                using (var process = Connection.Connection.Start(commandLine))
                {
                    var prompts = 0;
                    var passwordRefused = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    Stream errorSource = process.StandardError;
                    if (sudoPrompt != null)
                    {
                        errorSource = new PromptFilterStream(process.StandardError, Encoding.UTF8.GetBytes(sudoPrompt), () =>
                        {
                            if (Interlocked.Increment(ref prompts) == 1)
                            {
                                WritePasswordThenInput(process.OpenStandardInput);
                            }
                            else
                            {
                                passwordRefused.TrySetResult(true);
                            }
                        });
                    }

                    var output = OutputCollector.Start(process.StandardOutput, Request.MaxOutputBytes, "Sentinel stdout", Request.OnOutputLine);
                    var error = OutputCollector.Start(errorSource, Request.MaxOutputBytes, "Sentinel stderr");
                    if (sudoPrompt == null && Request.Input != null)
                    {
                        _ = Task.Run(() => WriteAndClose(process.OpenStandardInput, Request.Input));
                    }

                    var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    using (_deadline.Register(() => stopped.TrySetResult(true)))
                    {
                        var first = await Task.WhenAny(process.Completion, stopped.Task, Connection.Lost, passwordRefused.Task).ConfigureAwait(false);
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

                            throw new SentinelException(
                                ErrorIds.CommandTimeout,
                                ErrorCategory.OperationTimeout,
                                Session.ComputerName,
                                $"The command on {Session.ComputerName} did not finish within {Request.Timeout!.Value.TotalSeconds:0.##} s and was ended (SIGTERM to its process group): {Request.Command}",
                                "Raise -Timeout if the command needs longer; the session is still usable.");
                        }
                    }

                    var exit = await process.Completion.ConfigureAwait(false);
                    await Task.WhenAll(output.Completion, error.Completion).ConfigureAwait(false);
                    return new Attempt(exit, output, error, prompts);
                }
            }

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
                    WriteAndClose(() => stdin, Request.Input ?? new byte[0]);
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
