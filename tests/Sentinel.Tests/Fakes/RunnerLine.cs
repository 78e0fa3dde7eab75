using System;
using System.Text;

namespace Sentinel.Tests.Fakes
{
    /// <summary>Reads back the line the command runner sends a connection, for fakes that answer by command.</summary>
    internal static class RunnerLine
    {
        private const string Wrapper = "exec /bin/sh -c ";
        private const string FirstSudoAttempt = "/usr/bin/env SUDO_ASKPASS=/bin/ls sudo -A -p '";
        private const string AfterPrompt = "' -- ";

        /// <summary>The command itself, without the wrapper, and whether it came as the first sudo attempt (as a NOPASSWD rule runs it).</summary>
        public static (string Command, bool Sudo) Unwrap(string line)
        {
            var command = Words(line)[1];
            return command.StartsWith(FirstSudoAttempt, StringComparison.Ordinal)
                ? (command.Substring(command.IndexOf(AfterPrompt, FirstSudoAttempt.Length, StringComparison.Ordinal) + AfterPrompt.Length), true)
                : (command, false);
        }

        /// <summary>The wrapper's script, the line it runs ($1) and its process marker ($2), read back from their quoted words.</summary>
        public static (string Script, string Line, bool ClosesStdin, string ProcessMarker) Parts(string line)
        {
            var words = Words(line);
            return (words[0], words[1], words[0].StartsWith("exec </dev/null; ", StringComparison.Ordinal), words[2]);
        }

        /// <summary>What the wrapper of <paramref name="line"/> writes first on stderr, for a process <paramref name="processId"/> leading its group.</summary>
        public static string ProcessMarkerLine(string line, int processId) => $"{Parts(line).ProcessMarker}{processId} g\n";

        // The quoted script, then the wrapper's $0, then the quoted line and its process marker.
        private static string[] Words(string line)
        {
            if (!line.StartsWith(Wrapper, StringComparison.Ordinal))
            {
                throw new ArgumentException("Not a line of the command runner: " + line, nameof(line));
            }

            var at = Wrapper.Length;
            var script = ReadWord(line, ref at);
            var name = ReadWord(line, ref at);
            if (name != "sentinel")
            {
                throw new ArgumentException("No wrapper name in: " + line, nameof(line));
            }

            return new[] { script, ReadWord(line, ref at), ReadWord(line, ref at) };
        }

        // One word of ShellQuote.QuoteForAnyShell (single-quoted runs and backslash-escaped characters) or a plain one.
        private static string ReadWord(string line, ref int at)
        {
            var word = new StringBuilder();
            while (at < line.Length && line[at] != ' ')
            {
                if (line[at] == '\\')
                {
                    word.Append(line[at + 1]);
                    at += 2;
                }
                else if (line[at] == '\'')
                {
                    var end = line.IndexOf('\'', at + 1);
                    word.Append(line, at + 1, end - at - 1);
                    at = end + 1;
                }
                else
                {
                    word.Append(line[at++]);
                }
            }

            at++;
            return word.ToString();
        }
    }
}
