using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Execution
{
    /// <summary>Runs one command on one session: output drained as it arrives, timeout and stop end it remotely.</summary>
    internal static class CommandRunner
    {
        /// <summary>What a result keeps of each stream unless told otherwise.</summary>
        public const long DefaultMaxOutputBytes = 16 * 1024 * 1024;

        public static async Task<CommandResult> RunAsync(SentinelSession session, string command, TimeSpan? timeout, long maxOutputBytes, CancellationToken cancellationToken)
        {
            var connection = session.Connection ?? throw SessionErrors.Closed(session);
            var startTime = DateTime.Now;
            var clock = Stopwatch.StartNew();

            // Without input, stdin must be at end-of-file, or a command that reads would wait forever
            // (SSH.NET only sends EOF after at least one byte was written).
            using (var process = connection.Start("exec </dev/null; " + command))
            {
                var stdout = OutputCollector.Start(process.StandardOutput, maxOutputBytes, "Sentinel stdout");
                var stderr = OutputCollector.Start(process.StandardError, maxOutputBytes, "Sentinel stderr");

                using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    if (timeout.HasValue)
                    {
                        limit.CancelAfter(timeout.Value);
                    }

                    var stop = new TaskCompletionSource<bool>();
                    using (limit.Token.Register(() => stop.TrySetResult(true)))
                    {
                        if (await Task.WhenAny(process.Completion, stop.Task).ConfigureAwait(false) != process.Completion)
                        {
                            process.Terminate();
                            cancellationToken.ThrowIfCancellationRequested();
                            throw new SentinelException(
                                ErrorIds.CommandTimeout,
                                ErrorCategory.OperationTimeout,
                                session.ComputerName,
                                $"The command on {session.ComputerName} did not finish within {timeout!.Value.TotalSeconds:0.##} s and was ended (SIGTERM to its process group): {command}",
                                "Raise -Timeout if the command needs longer; the session is still usable.");
                        }
                    }
                }

                var exit = await process.Completion.ConfigureAwait(false);
                await Task.WhenAll(stdout.Completion, stderr.Completion).ConfigureAwait(false);
                return new CommandResult(
                    session.ComputerName,
                    session.Id,
                    command,
                    exit.ExitCode,
                    exit.ExitSignal,
                    stdout.Text(),
                    stderr.Text(),
                    startTime,
                    clock.Elapsed,
                    stdout.TotalBytes,
                    stderr.TotalBytes,
                    stdout.Truncated || stderr.Truncated);
            }
        }
    }
}
