using System;
using System.Linq;

namespace Sentinel.Execution
{
    /// <summary>
    /// Why sudo refused to run a command, read from a finished attempt. Only sudo's own diagnostics
    /// count: exit code 1 (127 for a missing sudo), no stdout, and every stderr line one of sudo's.
    /// This judges an outcome; it never decides whether to send the password (the prompt does).
    /// </summary>
    internal enum SudoRefusal
    {
        None,
        PasswordRequired,
        PasswordWrong,
        RequiresTty,
        NotAllowed,
        NotInstalled,
    }

    internal static class SudoRefusalReader
    {
        private static readonly char[] NewLine = { '\n' };

        public static SudoRefusal Of(CommandRunner.Attempt attempt) => Of(attempt.Exit.ExitCode, attempt.Output.TotalBytes, attempt.Error.Text(), attempt.Prompts);

        public static SudoRefusal OfFirstAttempt(CommandRunner.Attempt attempt) => OfFirstAttempt(attempt.Exit.ExitCode, attempt.Output.TotalBytes, attempt.Error.Text(), attempt.Prompts);

        /// <summary>
        /// The first attempt (<see cref="SudoCommandLine.WithoutPassword"/>): sudo wanted a password only
        /// when its askpass showed our marker (<paramref name="markers"/> &gt; 0); it then ran nothing and
        /// exits 1. Without the marker, sudo's words about a password are the command's own output, and
        /// the command ran: its result stands. Refusals sudo gives before asking (requiretty, not
        /// allowed, no sudo) read as for any attempt.
        /// </summary>
        public static SudoRefusal OfFirstAttempt(int? exitCode, long outputBytes, string error, int markers)
        {
            if (markers > 0)
            {
                return exitCode == 1 && outputBytes == 0 ? SudoRefusal.PasswordRequired : SudoRefusal.None;
            }

            var refusal = Of(exitCode, outputBytes, error, 0);
            return refusal == SudoRefusal.PasswordRequired || refusal == SudoRefusal.PasswordWrong ? SudoRefusal.None : refusal;
        }

        public static SudoRefusal Of(int? exitCode, long outputBytes, string error, int prompts)
        {
            if (prompts > 1)
            {
                return SudoRefusal.PasswordWrong;
            }

            var lines = error.Split(NewLine, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            // The login shell says "sudo: not found"; env says "env: 'sudo': No such file or directory".
            if (exitCode == 127 && lines.Any(l => l.Contains("sudo") && (l.Contains("not found") || l.Contains("No such file or directory"))))
            {
                return SudoRefusal.NotInstalled;
            }

            var onlySudoSpoke = lines.Length > 0 && lines.All(IsSudoDiagnostic);
            if (exitCode != 1 || outputBytes > 0 || !onlySudoSpoke)
            {
                return SudoRefusal.None;
            }

            var said = string.Join("\n", lines);
            if (said.Contains("a password is required"))
            {
                return SudoRefusal.PasswordRequired;
            }

            if (said.Contains("a terminal is required") || said.Contains("must have a tty"))
            {
                return SudoRefusal.RequiresTty;
            }

            if (said.Contains("incorrect password attempt"))
            {
                return SudoRefusal.PasswordWrong;
            }

            if (said.Contains("is not allowed to execute") || said.Contains("is not in the sudoers file") || said.Contains("may not run sudo"))
            {
                return SudoRefusal.NotAllowed;
            }

            return SudoRefusal.None;
        }

        // sudo prefixes most of its messages with "sudo:"; the refusals "Sorry, user ..." and
        // "USER is not in the sudoers file" come without it.
        private static bool IsSudoDiagnostic(string line) =>
            line.StartsWith("sudo:", StringComparison.Ordinal)
            || line.StartsWith("Sorry, ", StringComparison.Ordinal)
            || line.Contains(" is not in the sudoers file");
    }
}
