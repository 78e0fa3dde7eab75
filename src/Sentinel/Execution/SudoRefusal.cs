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
        public static SudoRefusal Of(CommandRunner.Attempt attempt) => Of(attempt.Exit.ExitCode, attempt.Output.TotalBytes, attempt.Error.Text(), attempt.Prompts);

        public static SudoRefusal Of(int? exitCode, long outputBytes, string error, int prompts)
        {
            if (prompts > 1)
            {
                return SudoRefusal.PasswordWrong;
            }

            var lines = error.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            if (exitCode == 127 && lines.Any(l => l.Contains("sudo") && l.Contains("not found")))
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
