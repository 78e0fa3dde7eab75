using System;
using System.Globalization;
using System.Management.Automation;
using Sentinel.Transport;

namespace Sentinel.Errors
{
    /// <summary>How a command run fails apart from what the command itself did (its exit code is a result, not an error).</summary>
    internal static class CommandErrors
    {
        /// <summary>The command did not start in time: it waited for a channel slot, or the server never opened the channel.</summary>
        public static SentinelException NotStartedInTime(string computerName, string command, TimeSpan timeout) => new SentinelException(
            ErrorIds.CommandTimeout,
            ErrorCategory.OperationTimeout,
            computerName,
            $"The command on {computerName} did not start within {Seconds(timeout)} s (it waited for a free channel on the session, or for the server to open one) and was not run: {command}",
            "Raise -Timeout, run fewer commands at once on this session (10 channels at most), or reconnect if the server stopped answering.");

        /// <summary>The command ran out of time and was ended: Sentinel saw its process group gone.</summary>
        public static SentinelException Timeout(string computerName, string command, TimeSpan timeout) => new SentinelException(
            ErrorIds.CommandTimeout,
            ErrorCategory.OperationTimeout,
            computerName,
            $"The command on {computerName} did not finish within {Seconds(timeout)} s and was ended (SIGTERM to its process group): {command}",
            "Raise -Timeout if the command needs longer; the session is still usable.");

        /// <summary>
        /// The command ran out of time and Sentinel could not see it end: the server may have refused
        /// the signal (a ForceCommand, or a server that signals only the shell), and the kill Sentinel
        /// sent over a second channel did not end it or could not be checked.
        /// </summary>
        /// <param name="processId">The PID of the command's process on the host (the leader of its process group), when the wrapper reported it.</param>
        /// <param name="sudo">The command ran under sudo: its processes are root's, which the login user may not signal (sudo relays SIGTERM to its command only, not to what that started).</param>
        public static SentinelException TimeoutMayStillRun(string computerName, string command, TimeSpan timeout, int? processId, bool sudo) => new SentinelException(
            ErrorIds.CommandTimeout,
            ErrorCategory.OperationTimeout,
            computerName,
            processId.HasValue
                ? $"The command on {computerName} did not finish within {Seconds(timeout)} s. Sentinel asked for it to end but could not confirm it did: it may still be running as PID {processId} (process group {processId}) on {computerName}: {command}"
                : $"The command on {computerName} did not finish within {Seconds(timeout)} s. Sentinel asked for it to end but could not confirm it did (its PID is unknown): it may still be running on {computerName}: {command}",
            (processId.HasValue
                ? $"Check on {computerName} with 'pgrep -a -g {processId}' and end it with '{(sudo ? "sudo " : string.Empty)}kill -- -{processId}'"
                : $"Check on {computerName} with 'ps' for the command") + "; raise -Timeout if the command needs longer.");

        /// <summary>Sentinel itself could not read the command's output or write its input; the command was ended.</summary>
        /// <summary>
        /// The command line never ran: its wrapper's first line (<see cref="Execution.ProcessMarkerStream"/>)
        /// did not come, so what answered was the server's own command or a shell that could not read
        /// the line. Its output is not the command's, so it is not returned as a result.
        /// </summary>
        public static SentinelException NotRun(string computerName, string command, RemoteExit exit, string printed) => new SentinelException(
            ErrorIds.CommandNotRun,
            ErrorCategory.InvalidResult,
            computerName,
            $"{computerName} did not run the command as given; something else answered for it ({Ending(exit)}){(printed.Length == 0 ? ", printing nothing" : ": " + printed)}. Command: {command}",
            "Check sshd_config for a ForceCommand (also in Match blocks) or an SFTP-only account (ForceCommand internal-sftp), and the account's login shell and its startup files: Sentinel needs an account whose commands run as given.");

        private static string Ending(RemoteExit exit) =>
            exit.ExitCode.HasValue ? "exit code " + exit.ExitCode.Value.ToString(CultureInfo.InvariantCulture)
            : exit.ExitSignal != null ? "signal " + exit.ExitSignal
            : "no exit status";

        public static SentinelException Failed(string computerName, string command, string what, ErrorCategory category, Exception cause) => new SentinelException(
            ErrorIds.CommandFailed,
            category,
            computerName,
            $"Sentinel could not {what} of the command on {computerName} ({cause.GetType().Name}: {cause.Message}), so it ended the command: {command}",
            "Run the command again; if it keeps failing, reconnect the session and report the error with its details.",
            cause);

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
