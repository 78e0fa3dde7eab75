using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Execution
{
    /// <summary>CommandRunner's sudo exchange and fault paths, against a scripted connection.</summary>
    public sealed class CommandRunnerTests
    {
        private const string Password = "pa55-wörd";
        private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(30);

        private readonly ScriptedConnection _connection = new ScriptedConnection("web01");
        private readonly LiveConnection _live;
        private readonly SentinelSession _session;

        public CommandRunnerTests()
        {
            _live = new LiveConnection(_connection, new KeepAliveSettings(TimeSpan.Zero, 3));
            _session = new SentinelSession(1, new ConnectionSettings("web01", "web01", 22, "ops"), _live, "SHA256:test", "ssh-ed25519");
        }

        [Fact]
        public async Task RunsACompoundLineWholeUnderSudoWithThePasswordAfterSudosOwnPrompt()
        {
            _connection.Then(SudoWantsAPassword);
            var passwordRun = AsksForThePassword();
            _connection.Then(passwordRun.Start);

            var running = Run("id -u; id -u", sudo: true);
            await passwordRun.PasswordWritten.WaitAsync(Prompt);
            passwordRun.Process!.StandardOutput.Feed("0\n0\n");
            passwordRun.Process.Exit(0);
            var result = await running.WaitAsync(Prompt);

            Assert.Equal("0\n0\n", result.Output);
            Assert.Equal(string.Empty, result.Error);
            var (_, first, firstClosesStdin, _) = RunnerLine.Parts(_connection.Commands[0]);
            var (_, second, secondClosesStdin, _) = RunnerLine.Parts(_connection.Commands[1]);
            Assert.True(firstClosesStdin);
            Assert.StartsWith("/usr/bin/env SUDO_ASKPASS=/bin/ls sudo -A -p '[sentinel-sudo:", first);
            Assert.EndsWith("]' -- /bin/sh -c 'id -u; id -u'", first);
            Assert.False(secondClosesStdin, "stdin carries the password");
            Assert.StartsWith("sudo -k -S -p '[sentinel-sudo:", second);
            Assert.EndsWith("]' -- /bin/sh -c 'id -u; id -u'", second);
            Assert.Equal(Password + "\n", passwordRun.Process.StandardInput.Text);
            Assert.Equal(0, _live.Channels.InUse);
        }

        [Fact]
        public async Task ReadsSudosRefusalWhateverMaxOutputBytesKeepsAndCutsTheResultToIt()
        {
            _connection.Then(SudoWantsAPassword);
            var passwordRun = AsksForThePassword();
            _connection.Then(passwordRun.Start);

            var running = Run("id -u", sudo: true, maxOutputBytes: 4);
            await passwordRun.PasswordWritten.WaitAsync(Prompt);
            passwordRun.Process!.StandardError.Feed("a warning longer than four bytes\n");
            passwordRun.Process.Exit(0);
            var result = await running.WaitAsync(Prompt);

            Assert.Equal("a wa", result.Error);
            Assert.True(result.Truncated);
            Assert.Equal(2, _connection.Commands.Count);
        }

        [Fact]
        public async Task SendsNoPasswordWhenSudoRunsASimpleCommandWithoutOne()
        {
            var process = new ScriptedProcess(stdout: "nginx is running.\n");
            _connection.Then(process);
            var result = await Run("/usr/sbin/service 'nginx' status", sudo: true).WaitAsync(Prompt);
            Assert.Equal(0, result.ExitCode);
            Assert.Single(_connection.Commands);
            var (_, line, closesStdin, _) = RunnerLine.Parts(_connection.Commands[0]);
            Assert.True(closesStdin);
            Assert.StartsWith("/usr/bin/env SUDO_ASKPASS=/bin/ls sudo -A -p '[sentinel-sudo:", line);
            Assert.EndsWith("]' -- /usr/sbin/service 'nginx' status", line);
            Assert.Empty(process.StandardInput.Bytes);
        }

        [Theory]
        [InlineData("sudo: a password is required\n")]
        [InlineData("sudo: no password was provided\nsudo: a password is required\n")]
        [InlineData("sudo: 1 incorrect password attempt\n")]
        public async Task ACommandThatRanAndOnlySaysSudosWordsRunsOnceAndItsResultIsReturned(string said)
        {
            // An inner `sudo -n` under a NOPASSWD rule: it ran, and sudo never ran the askpass (no marker).
            var process = new ScriptedProcess(stderr: said, exitCode: 1);
            _connection.Then(process);
            var result = await Run("/usr/local/bin/deploy", sudo: true).WaitAsync(Prompt);

            Assert.Single(_connection.Commands);
            Assert.Equal(1, result.ExitCode);
            Assert.Equal(said, result.Error);
            Assert.Empty(process.StandardInput.Bytes);
        }

        [Fact]
        public async Task TheMarkerOnStderrMeansSudoWantedAPasswordAndNothingOfTheAskpassReachesTheResult()
        {
            _connection.Then(SudoWantsAPassword);
            var passwordRun = AsksForThePassword();
            _connection.Then(passwordRun.Start);

            var running = Run("id -u", sudo: true);
            await passwordRun.PasswordWritten.WaitAsync(Prompt);
            passwordRun.Process!.StandardOutput.Feed("0\n");
            passwordRun.Process.Exit(0);
            var result = await running.WaitAsync(Prompt);

            Assert.Equal(2, _connection.Commands.Count);
            Assert.Equal("0\n", result.Output);
            Assert.Equal(string.Empty, result.Error);
            Assert.NotEqual(RunnerLine.Parts(_connection.Commands[0]).Line.Split('\'')[1], RunnerLine.Parts(_connection.Commands[1]).Line.Split('\'')[1]);
        }

        [Fact]
        public async Task AMarkerWithoutAPasswordToSendIsThePasswordRequiredError()
        {
            _connection.Then(SudoWantsAPassword);
            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("id -u", sudo: true, password: null).WaitAsync(Prompt));
            Assert.Equal(ErrorIds.SudoPasswordRequired, error.ErrorId);
            Assert.Single(_connection.Commands);
            Assert.DoesNotContain("cannot access", error.ToString());
        }

        [Fact]
        public async Task TheInputGoesStraightToTheFirstAttemptSudoDoesNotReadIt()
        {
            var process = ScriptedProcess.HoldOpen();
            _connection.Then(process);
            var request = new CommandRequest("sort") { Sudo = true, SudoPassword = Secure(Password), Input = new byte[] { (byte)'b', (byte)'\n' } };
            var running = CommandRunner.RunAsync(_session, _live, request, CancellationToken.None);
            await WaitUntil(() => process.StandardInput.Text == "b\n");
            process.Exit(0);
            await running.WaitAsync(Prompt);

            Assert.Single(_connection.Commands);
            var (_, line, closesStdin, _) = RunnerLine.Parts(_connection.Commands[0]);
            Assert.False(closesStdin, "stdin carries the input");
            Assert.StartsWith("/usr/bin/env SUDO_ASKPASS=/bin/ls sudo -A -p '[sentinel-sudo:", line);
        }

        [Theory]
        [InlineData(1, "sudo: sorry, you must have a tty to run sudo\n", "Sentinel.SudoRequiresTty")]
        [InlineData(1, "Sorry, user ops is not allowed to execute '/usr/bin/id' as root on web01.\n", "Sentinel.SudoNotAllowed")]
        [InlineData(127, "sh: 1: sudo: not found\n", "Sentinel.SudoNotInstalled")]
        [InlineData(127, "/usr/bin/env: ‘sudo’: No such file or directory\n", "Sentinel.SudoNotInstalled")]
        public async Task RefusalsSudoGivesBeforeAskingAreStillRecognised(int exitCode, string said, string errorId)
        {
            _connection.Then(new ScriptedProcess(stderr: said, exitCode: exitCode));
            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("id", sudo: true).WaitAsync(Prompt));
            Assert.Equal(errorId, error.ErrorId);
            Assert.Single(_connection.Commands);
        }

        [Fact]
        public async Task ExplainsTheShellWhenSudoersRefuseACompoundLine()
        {
            _connection.Then(SudoWantsAPassword);
            var passwordRun = AsksForThePassword();
            _connection.Then(passwordRun.Start);

            var running = Run("id -u; touch /tmp/marker", sudo: true);
            await passwordRun.PasswordWritten.WaitAsync(Prompt);
            passwordRun.Process!.StandardError.Feed("Sorry, user ops is not allowed to execute '/bin/sh -c id -u; touch /tmp/marker' as root on web01.\n");
            passwordRun.Process.Exit(1);
            var error = await Assert.ThrowsAsync<SentinelException>(() => running.WaitAsync(Prompt));

            Assert.Equal(ErrorIds.SudoNotAllowed, error.ErrorId);
            Assert.Contains("shell syntax (';')", error.Message);
            Assert.Contains("'/bin/sh -c'", error.Message);
            Assert.Contains("Split the line into simple commands", error.RecommendedAction);
            Assert.DoesNotContain(Password, error.Message + error.RecommendedAction);
        }

        [Fact]
        public async Task ASimpleCommandRefusedKeepsTheOldAdvice()
        {
            _connection.Then(new ScriptedProcess(stderr: "Sorry, user ops is not allowed to execute '/usr/bin/passwd -S root' as root on web01.\n", exitCode: 1));
            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("passwd -S root", sudo: true, password: null).WaitAsync(Prompt));
            Assert.Equal(ErrorIds.SudoNotAllowed, error.ErrorId);
            Assert.DoesNotContain("shell syntax", error.Message);
        }

        [Fact]
        public async Task AStopDuringTheSudoExchangeReturnsAtOnceAndEndsTheRemoteCommand()
        {
            _connection.Then(SudoWantsAPassword);
            var passwordRun = AsksForThePassword();
            _connection.Then(passwordRun.Start);
            using var stop = new CancellationTokenSource();

            var running = Run("sleep 300", sudo: true, stop: stop.Token);
            await passwordRun.PasswordWritten.WaitAsync(Prompt);
            var clock = Stopwatch.StartNew();
            stop.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Prompt));

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"returned after {clock.Elapsed}");
            Assert.True(passwordRun.Process!.Terminated);
            Assert.Equal(0, _live.Channels.InUse);
        }

        [Fact]
        public async Task AStopBeforeSudoPromptsSendsNoPassword()
        {
            _connection.Then(SudoWantsAPassword);
            var silent = ScriptedProcess.HoldOpen();
            _connection.Then(silent);
            using var stop = new CancellationTokenSource();

            var running = Run("id", sudo: true, stop: stop.Token);
            await WaitUntil(() => _connection.Commands.Count == 2);
            stop.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Prompt));
            Assert.True(silent.Terminated);
            Assert.Empty(silent.StandardInput.Bytes);
        }

        [Fact]
        public async Task AnOutputStreamThatThrowsAnyExceptionFailsTheCommandNotTheProcess()
        {
            var process = ScriptedProcess.HoldOpen(stdout: "partial\n");
            _connection.Then(process);
            var running = Run("cat /var/log/big");
            process.StandardOutput.FailWith(new FormatException("not an I/O error"));

            var error = await Assert.ThrowsAsync<SentinelException>(() => running.WaitAsync(Prompt));
            Assert.Equal(ErrorIds.CommandFailed, error.ErrorId);
            Assert.Equal("web01", error.ComputerName);
            Assert.Contains("read the output", error.Message);
            Assert.IsType<FormatException>(error.InnerException);
            Assert.True(process.Terminated);
            Assert.Equal(0, _live.Channels.InUse);
        }

        [Fact]
        public async Task ALineCallbackThatThrowsFailsTheCommand()
        {
            var process = ScriptedProcess.HoldOpen(stdout: "line\n");
            _connection.Then(process);
            var request = new CommandRequest("tail -f x") { OnOutputLine = line => throw new ArgumentException("pipeline closed") };

            var error = await Assert.ThrowsAsync<SentinelException>(() => CommandRunner.RunAsync(_session, _live, request, CancellationToken.None).WaitAsync(Prompt));
            Assert.Equal(ErrorIds.CommandFailed, error.ErrorId);
            Assert.True(process.Terminated);
        }

        [Fact]
        public async Task AStderrStreamThatThrowsAfterTheCommandEndedStillFailsTheCommand()
        {
            var process = new ScriptedProcess(stdout: "done\n");
            process.StandardError.FailWith(new NotImplementedException("late"));
            _connection.Then(process);
            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("true").WaitAsync(Prompt));
            Assert.Equal(ErrorIds.CommandFailed, error.ErrorId);
            Assert.Contains("read the error output", error.Message);
        }

        [Fact]
        public async Task APasswordWriteThatFailsFailsTheCommandWithoutTheSecret()
        {
            _connection.Then(SudoWantsAPassword);
            var passwordRun = AsksForThePassword(writeFailure: new NotSupportedException("stdin refused"));
            _connection.Then(passwordRun.Start);

            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("id -u", sudo: true).WaitAsync(Prompt));
            Assert.Equal(ErrorIds.CommandFailed, error.ErrorId);
            Assert.Contains("write the sudo password", error.Message);
            Assert.DoesNotContain(Password, error.ToString());
            Assert.True(passwordRun.Process!.Terminated);
        }

        [Fact]
        public async Task AnStdinThatCannotOpenFailsTheCommand()
        {
            var process = ScriptedProcess.HoldOpen();
            process.OpenStdinFailure = new UnauthorizedAccessException("no stdin");
            _connection.Then(process);
            var request = new CommandRequest("sort") { Input = new byte[] { (byte)'x' } };

            var error = await Assert.ThrowsAsync<SentinelException>(() => CommandRunner.RunAsync(_session, _live, request, CancellationToken.None).WaitAsync(Prompt));
            Assert.Equal(ErrorIds.CommandFailed, error.ErrorId);
            Assert.Contains("write the input", error.Message);
            Assert.True(process.Terminated);
        }

        [Fact]
        public async Task AServerThatNeverOpensTheChannelTimesOutAndTheLateChannelIsEndedUnused()
        {
            using var answer = new ManualResetEventSlim();
            var late = ScriptedProcess.HoldOpen();
            _connection.Then(command =>
            {
                answer.Wait();
                return late;
            });

            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("id", timeout: TimeSpan.FromMilliseconds(300)).WaitAsync(Prompt));
            Assert.Equal(ErrorIds.CommandTimeout, error.ErrorId);
            Assert.Contains("did not start", error.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"timed out after {clock.Elapsed}");
            Assert.Equal(1, _live.Channels.InUse);

            answer.Set();
            await WaitUntil(() => late.Terminated && late.DisposeCount > 0 && _live.Channels.InUse == 0);
        }

        [Fact]
        public async Task ACommandThatNeverCompletesTimesOutAndIsEnded()
        {
            var process = ScriptedProcess.HoldOpen();
            _connection.Then(process);
            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("sleep 300", timeout: TimeSpan.FromMilliseconds(300)).WaitAsync(Prompt));
            Assert.Equal(ErrorIds.CommandTimeout, error.ErrorId);
            Assert.Contains("did not finish", error.Message);
            Assert.True(process.Terminated);
        }

        [Fact]
        public async Task ATimeoutWithoutTheWrappersPidSaysTheCommandMayStillRunAndClaimsNoEnd()
        {
            _connection.WrapperRuns = false;
            _connection.Then(ScriptedProcess.HoldOpen());
            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("yes", timeout: TimeSpan.FromMilliseconds(300)).WaitAsync(Prompt));
            Assert.Equal(ErrorIds.CommandTimeout, error.ErrorId);
            Assert.Contains("may still be running", error.Message);
            Assert.Contains("PID is unknown", error.Message);
            Assert.DoesNotContain("was ended", error.Message);
            Assert.Single(_connection.Commands);
        }

        [Fact]
        public async Task ATimeoutEndsTheReportedGroupOnASecondChannelAndSaysEndedOnlyWhenItIsGone()
        {
            var timedOut = TimedOutWithPid(4242);
            var kill = new ScriptedProcess(stdout: "gone\n");
            _connection.Then(kill);

            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("yes | cat", timeout: TimeSpan.FromMilliseconds(300)).WaitAsync(Prompt));
            Assert.Equal(ErrorIds.CommandTimeout, error.ErrorId);
            Assert.Contains("was ended (SIGTERM to its process group)", error.Message);
            Assert.True(timedOut.Terminated);
            Assert.Equal(2, _connection.Commands.Count);
            var killLine = RunnerLine.Unwrap(_connection.Commands[1]).Command;
            Assert.Contains("kill -TERM -- -4242", killLine);
            Assert.Contains("kill -KILL -- -4242", killLine);
        }

        [Theory]
        [InlineData("running\n")]
        [InlineData("unknown\n")]
        [InlineData("")]
        public async Task ATimeoutWhoseKillIsNotSeenToWorkSaysTheCommandMayStillRunWithItsPid(string answer)
        {
            TimedOutWithPid(4242);
            _connection.Then(new ScriptedProcess(stdout: answer));

            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("yes", sudo: true, timeout: TimeSpan.FromMilliseconds(300)).WaitAsync(Prompt));
            Assert.Equal(ErrorIds.CommandTimeout, error.ErrorId);
            Assert.Contains("may still be running as PID 4242 (process group 4242) on", error.Message);
            Assert.DoesNotContain("was ended", error.Message);
            Assert.Contains("sudo kill -- -4242", error.RecommendedAction);
            Assert.DoesNotContain("kill -KILL", RunnerLine.Unwrap(_connection.Commands[1]).Command);
        }

        [Fact]
        public async Task ATimeoutWhoseSecondChannelCannotOpenSaysTheCommandMayStillRun()
        {
            TimedOutWithPid(4242);
            _connection.Then(_ => throw new IOException("administratively prohibited"));
            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("yes", timeout: TimeSpan.FromMilliseconds(300)).WaitAsync(Prompt));
            Assert.Contains("may still be running as PID 4242 (process group 4242) on", error.Message);
        }

        [Fact]
        public async Task TheWrappersPidLineNeverReachesTheResult()
        {
            _connection.WrapperRuns = false;
            _connection.Then(line => new ScriptedProcess(stdout: "ok\n", stderr: RunnerLine.ProcessMarkerLine(line, 4242) + "warning\n"));
            var result = await Run("id").WaitAsync(Prompt);
            Assert.Equal("warning\n", result.Error);
        }

        [Fact]
        public async Task ATimeoutCheckThatCannotSeeTheGroupGoneTriesOnceMoreOnAFreshConnection()
        {
            // The session's connection opens no second channel (MaxSessions 1); a fresh one does, and
            // there the group is gone: only that check makes the message say "was ended".
            TimedOutWithPid(4242);
            _connection.ThenStartThrows(new ChannelRefusedException("administratively prohibited"));
            var fresh = new ScriptedConnection("web01-fresh");
            fresh.Then(new ScriptedProcess(stdout: "gone\n"));
            var freshLive = new LiveConnection(fresh, new KeepAliveSettings(TimeSpan.Zero, 3));

            var error = await Assert.ThrowsAsync<SentinelException>(() => CommandRunner.RunAsync(_session, _live, new CommandRequest("yes | cat") { Timeout = TimeSpan.FromMilliseconds(300) }, _ => Task.FromResult(freshLive), CancellationToken.None).WaitAsync(Prompt));

            Assert.Equal(ErrorIds.CommandTimeout, error.ErrorId);
            Assert.Contains("was ended (SIGTERM to its process group)", error.Message);
            Assert.Contains("kill -TERM -- -4242", RunnerLine.Unwrap(Assert.Single(fresh.Commands)).Command);
            Assert.True(fresh.IsDisposed, "the check's own connection is closed after it");
        }

        [Fact]
        public async Task AnAnswerWithoutTheWrappersLineIsCommandNotRunNotAResult()
        {
            // A ForceCommand's own program answered: exit 0, its own output, and the wrapper never ran.
            _connection.WrapperRuns = false;
            _connection.Then(new ScriptedProcess(stdout: "Welcome to the menu\n", exitCode: 0));

            var error = await Assert.ThrowsAsync<SentinelException>(() => Run("echo hi").WaitAsync(Prompt));

            Assert.Equal(ErrorIds.CommandNotRun, error.ErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.InvalidResult, error.Category);
            Assert.Equal("web01", error.ComputerName);
            Assert.Contains("did not run the command as given", error.Message);
            Assert.Contains("exit code 0", error.Message);
            Assert.Contains("Welcome to the menu", error.Message);
            Assert.Contains("ForceCommand", error.RecommendedAction);
        }

        [Fact]
        public async Task ACallerThatJudgesTheAnswerItselfGetsItAsTheResult()
        {
            _connection.WrapperRuns = false;
            _connection.Then(new ScriptedProcess(stdout: "This service allows sftp connections only.\n", exitCode: 1));

            var result = await CommandRunner.RunAsync(_session, _live, new CommandRequest("echo probe") { FailWhenNotRun = false }, CancellationToken.None).WaitAsync(Prompt);

            Assert.Equal(1, result.ExitCode);
            Assert.Equal("This service allows sftp connections only.\n", result.Output);
        }

        /// <summary>The next command keeps running after reporting, as the wrapper does, that it runs as PID <paramref name="processId"/> leading its group.</summary>
        private ScriptedProcess TimedOutWithPid(int processId)
        {
            var process = ScriptedProcess.HoldOpen();
            _connection.WrapperRuns = false;
            _connection.Then(line =>
            {
                process.StandardError.Feed(RunnerLine.ProcessMarkerLine(line, processId));
                return process;
            });
            return process;
        }

        [Fact]
        public async Task TheTimeoutCoversTheWaitForAChannelSlotAndTheCommandNeverStartsLate()
        {
            for (var i = 0; i < ChannelBudget.Assumed; i++)
            {
                await _live.Channels.AcquireAsync(CancellationToken.None);
            }

            _connection.OnStart = command => new ScriptedProcess();
            var running = Run("id", timeout: TimeSpan.FromMilliseconds(300));
            var finished = await Task.WhenAny(running, Task.Delay(Prompt));
            Assert.Same(running, finished);
            var error = await Assert.ThrowsAsync<SentinelException>(() => running);
            Assert.Equal(ErrorIds.CommandTimeout, error.ErrorId);
            Assert.Contains("did not start", error.Message);

            ReleaseAll();
            Assert.Equal(0, _live.Channels.InUse);
            Assert.Empty(_connection.Commands);
        }

        [Fact]
        public async Task AStopWhileWaitingForASlotIsAStopNotATimeout()
        {
            for (var i = 0; i < ChannelBudget.Assumed; i++)
            {
                await _live.Channels.AcquireAsync(CancellationToken.None);
            }

            using var stop = new CancellationTokenSource();
            var running = Run("id", timeout: TimeSpan.FromSeconds(30), stop: stop.Token);
            stop.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Prompt));
            ReleaseAll();
            Assert.Empty(_connection.Commands);
        }

        private Task<CommandResult> Run(string command, bool sudo = false, string? password = Password, TimeSpan? timeout = null, CancellationToken stop = default, long maxOutputBytes = CommandRequest.DefaultMaxOutputBytes)
        {
            var request = new CommandRequest(command) { Sudo = sudo, Timeout = timeout, SudoPassword = password != null ? Secure(password) : null, MaxOutputBytes = maxOutputBytes };
            return CommandRunner.RunAsync(_session, _live, request, stop);
        }

        private void ReleaseAll()
        {
            for (var i = 0; i < ChannelBudget.Assumed; i++)
            {
                _live.Channels.Release();
            }
        }

        private static SecureString Secure(string text)
        {
            var secret = new SecureString();
            foreach (var c in text)
            {
                secret.AppendChar(c);
            }

            return secret;
        }

        private static async Task WaitUntil(Func<bool> condition)
        {
            var deadline = Stopwatch.StartNew();
            while (!condition())
            {
                Assert.True(deadline.Elapsed < Prompt, "condition not reached in time");
                await Task.Delay(10);
            }
        }

        private static PasswordRun AsksForThePassword(Exception? writeFailure = null) => new PasswordRun(writeFailure);

        /// <summary>The first attempt when sudo wants a password: the askpass (/bin/ls) shows the marker from the command line, then sudo gives up.</summary>
        private static IRemoteProcess SudoWantsAPassword(string commandLine)
        {
            var marker = RunnerLine.Parts(commandLine).Line.Split('\'')[1];
            Assert.StartsWith("[sentinel-sudo:", marker);
            return new ScriptedProcess(stderr: $"/bin/ls: cannot access '{marker}': No such file or directory\nsudo: no password was provided\nsudo: a password is required\n", exitCode: 1);
        }

        /// <summary>A sudo -S run: shows the prompt from its command line, then waits for the password.</summary>
        private sealed class PasswordRun
        {
            private readonly Exception? _writeFailure;
            private readonly TaskCompletionSource<bool> _written = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            public PasswordRun(Exception? writeFailure)
            {
                _writeFailure = writeFailure;
            }

            public ScriptedProcess? Process { get; private set; }

            /// <summary>Completes once the password line reached stdin.</summary>
            public Task PasswordWritten => _written.Task;

            public IRemoteProcess Start(string commandLine)
            {
                var prompt = RunnerLine.Parts(commandLine).Line.Split('\'')[1];
                Process = ScriptedProcess.HoldOpen(stderr: prompt);
                Process.StandardInput.WriteFailure = _writeFailure;
                _ = Task.Run(async () =>
                {
                    while (!Process.StandardInput.Text.EndsWith("\n", StringComparison.Ordinal))
                    {
                        await Task.Delay(5);
                    }

                    _written.TrySetResult(true);
                });
                return WrapperRan.For(commandLine, Process);
            }
        }
    }
}
