using System;

namespace Sentinel.Tests.Fakes
{
    /// <summary>Reads back the line the command runner sends a connection, for fakes that answer by command.</summary>
    internal static class RunnerLine
    {
        private const string NoStdin = "exec </dev/null; ";
        private const string FirstSudoAttempt = "/usr/bin/env SUDO_ASKPASS=/bin/ls sudo -A -p '";
        private const string AfterPrompt = "' -- ";

        /// <summary>The command itself, without the stdin wrapper, and whether it came as the first sudo attempt (as a NOPASSWD rule runs it).</summary>
        public static (string Command, bool Sudo) Unwrap(string line)
        {
            var command = line.StartsWith(NoStdin, StringComparison.Ordinal) ? line.Substring(NoStdin.Length) : line;
            return command.StartsWith(FirstSudoAttempt, StringComparison.Ordinal)
                ? (command.Substring(command.IndexOf(AfterPrompt, FirstSudoAttempt.Length, StringComparison.Ordinal) + AfterPrompt.Length), true)
                : (command, false);
        }
    }
}
