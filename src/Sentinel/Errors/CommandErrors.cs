using System;
using System.Globalization;
using System.Management.Automation;

namespace Sentinel.Errors
{
    /// <summary>How a command run fails apart from what the command itself did (its exit code is a result, not an error).</summary>
    internal static class CommandErrors
    {
        /// <param name="started">False when the command never started: it waited for a channel slot, or the server never opened the channel.</param>
        public static SentinelException Timeout(string computerName, string command, TimeSpan timeout, bool started) => new SentinelException(
            ErrorIds.CommandTimeout,
            ErrorCategory.OperationTimeout,
            computerName,
            started
                ? $"The command on {computerName} did not finish within {Seconds(timeout)} s and was ended (SIGTERM to its process group): {command}"
                : $"The command on {computerName} did not start within {Seconds(timeout)} s (it waited for a free channel on the session, or for the server to open one) and was not run: {command}",
            started
                ? "Raise -Timeout if the command needs longer; the session is still usable."
                : "Raise -Timeout, run fewer commands at once on this session (10 channels at most), or reconnect if the server stopped answering.");

        /// <summary>Sentinel itself could not read the command's output or write its input; the command was ended.</summary>
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
