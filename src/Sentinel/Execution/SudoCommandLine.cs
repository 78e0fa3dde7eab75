using System;
using System.Collections.Generic;
using System.Text;

namespace Sentinel.Execution
{
    /// <summary>
    /// The one place that turns a user's command line into the line the login shell runs: the POSIX
    /// shell wrapper with its stdin redirection, and where sudo goes. A -Sudo line is never partly
    /// elevated: a simple command keeps sudo in front of its program, so sudoers rules written for that
    /// program still match; a line with any shell syntax runs whole under sudo through
    /// <see cref="Shell"/>, so no part of it (a tail after ';', a pipe, an expansion) runs as the login user.
    /// </summary>
    internal static class SudoCommandLine
    {
        /// <summary>The shell a compound line runs in under sudo, and every line's wrapper; a fixed path, so a sudoers rule can name it.</summary>
        public const string Shell = "/bin/sh";

        /// <summary>The $0 of the wrapper, which names it in the shell's own messages.</summary>
        public const string WrapperName = "sentinel";

        /// <summary>
        /// Login shells that read POSIX shell syntax (by the last part of $SHELL): a line runs in the
        /// user's own, so a bash user's line keeps bash's meaning. Any other (fish, csh, nu...) would
        /// misread it, so the line runs in <see cref="Shell"/> instead.
        /// </summary>
        private const string PosixLoginShells = "sh|bash|dash|ash|ksh|ksh93|mksh|lksh|pdksh|oksh|zsh|yash|posh";

        /// <summary>
        /// The wrapper's script, run by <see cref="Shell"/> with the line as $1 and a marker made for the
        /// command as $2. It writes the marker, its PID and whether that process leads its process group
        /// to stderr (<see cref="ProcessMarkerStream"/> takes the line out), then execs the line's shell,
        /// so the PID stays the command's: a timeout can end the group when the server does not. Under
        /// OpenSSH the process sshd started leads its group; where it does not (Dropbear), setsid makes
        /// it lead one, keeping its PID. One line, so that a shell that misreads the quoting (csh) fails
        /// loudly rather than running part of it.
        /// </summary>
        private const string RunLine =
            "case ${SHELL##*/} in " + PosixLoginShells + ") s=$SHELL;; *) s=" + Shell + ";; esac; "
            + "g=; read -r g 2>/dev/null </proc/$$/stat; g=${g##*) }; g=${g#* }; g=${g#* }; g=${g%% *}; "
            + "if [ \"$g\" = $$ ]; then echo \"$2$$ g\" >&2; exec \"$s\" -c \"$1\"; fi; "
            + "if [ -n \"$g\" ] && command -v setsid >/dev/null; then echo \"$2$$ g\" >&2; exec setsid \"$s\" -c \"$1\"; fi; "
            + "echo \"$2$$ p\" >&2; exec \"$s\" -c \"$1\"";

        /// <summary>
        /// Without input, stdin must be at end-of-file, or a command that reads would wait forever
        /// (SSH.NET sends EOF only after at least one byte was written): the redirection runs before
        /// sudo, so it changes nothing about what is elevated.
        /// </summary>
        private const string NoStdin = "exec </dev/null; ";

        /// <summary>The line run as the login user, without sudo.</summary>
        public static string Plain(string command, bool hasInput, string processMarker) => ForLoginShell(command, hasInput, processMarker);

        /// <summary>
        /// The askpass program of the first attempt: run with the prompt as its argument, it prints
        /// "cannot access '&lt;prompt&gt;'" on stderr and no password, so sudo runs nothing.
        /// </summary>
        public const string NoPasswordAskpass = "/bin/ls";

        /// <summary>
        /// The first sudo attempt. A NOPASSWD rule (or a cached login) runs the command, with stdin as
        /// its input, as <c>sudo -n</c> would. When sudo wants a password it does not read stdin (-A):
        /// it runs <see cref="NoPasswordAskpass"/> with <paramref name="marker"/>, which shows the marker
        /// on stderr and answers no password, and sudo gives up having run nothing. So sudo asked for a
        /// password if and only if the marker, fresh for this attempt, appears: the command cannot forge
        /// it, as it can forge sudo's words ("sudo: a password is required"). env by its full path, so
        /// a missing sudo still reads as one (env: 'sudo': ...).
        /// </summary>
        public static string WithoutPassword(string command, bool hasInput, string marker, string processMarker) =>
            ForLoginShell($"/usr/bin/env SUDO_ASKPASS={NoPasswordAskpass} sudo -A -p {ShellQuote.Quote(marker)} -- {Elevated(command)}", hasInput, processMarker);

        /// <summary>
        /// The second attempt: <c>-k</c> ignores any cached login, <c>-S</c> reads the password from
        /// stdin after sudo prints <paramref name="prompt"/> on stderr. stdin is the password, then the
        /// command's input, so it stays open.
        /// </summary>
        public static string WithPassword(string command, string prompt, string processMarker) =>
            ForLoginShell($"sudo -k -S -p {ShellQuote.Quote(prompt)} -- {Elevated(command)}", hasInput: true, processMarker);

        /// <summary>True when <paramref name="command"/> runs under sudo through <see cref="Shell"/> (it has shell syntax).</summary>
        public static bool RunsThroughShell(string command) => ShellSyntax.Find(command) != null;

        /// <summary>What sudo is asked to run: the simple command itself, or the whole line through <see cref="Shell"/>.</summary>
        public static string Elevated(string command) => RunsThroughShell(command) ? Shell + " -c " + ShellQuote.Quote(command) : command;

        /// <summary>
        /// What sshd hands the login shell: <paramref name="line"/>, a POSIX shell line, run by
        /// <see cref="Shell"/> through <see cref="RunLine"/>, in words quoted so that fish reads them as a
        /// POSIX shell does (<see cref="ShellQuote.QuoteForAnyShell"/>). exec keeps one process, whose
        /// stdin (the password, the input) is the channel's.
        /// </summary>
        /// <param name="processMarker">Made for this command (random, without quotes, backslashes or '%'): it starts the wrapper's line on stderr.</param>
        public static string ForLoginShell(string line, bool hasInput, string processMarker) =>
            $"exec {Shell} -c {ShellQuote.QuoteForAnyShell((hasInput ? string.Empty : NoStdin) + RunLine)} {WrapperName} {ShellQuote.QuoteForAnyShell(line)} {ShellQuote.QuoteForAnyShell(processMarker)}";
    }

    /// <summary>
    /// A small tokenizer that tells a simple command (words of plain characters, single-quoted text and
    /// double-quoted text without expansions) from anything a shell would treat specially. It accepts
    /// only what it knows to be literal: any other character counts as shell syntax, so a doubt sends
    /// the line to the safe side (whole under sudo).
    /// </summary>
    internal static class ShellSyntax
    {
        // Words that mean something only to a shell: sudo cannot run them as programs, and a line
        // starting with one is shell syntax (reserved words) or needs a shell to act (eval, exec, cd...).
        private static readonly HashSet<string> ShellOnlyFirstWords = new HashSet<string>(StringComparer.Ordinal)
        {
            "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in",
            "function", "select", "time", "coproc",
            ".", "source", "eval", "exec", "cd", "export", "set", "unset", "readonly", "trap", "ulimit", "umask", "alias",
        };

        /// <summary>Null when <paramref name="line"/> is one simple command; otherwise the first shell syntax found, for messages.</summary>
        public static string? Find(string line) => Scan(line, out _);

        /// <summary>The words (argv) a shell would pass for a simple command, quotes removed; null when the line has shell syntax.</summary>
        public static IReadOnlyList<string>? Words(string line) => Scan(line, out var words) == null ? words : null;

        private static string? Scan(string line, out List<string> words)
        {
            words = new List<string>();
            var word = new StringBuilder();
            var inWord = false;
            var quotedFirstWord = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (c == ' ' || c == '\t')
                {
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    continue;
                }

                inWord = true;
                if (c == '\'' || c == '"')
                {
                    var end = line.IndexOf(c, i + 1);
                    if (end < 0)
                    {
                        return "an unterminated quote";
                    }

                    for (var j = i + 1; j < end; j++)
                    {
                        if (c == '"' ? IsSpecialInDoubleQuotes(line[j]) : IsSpecialInSingleQuotes(line[j]))
                        {
                            return Describe(line, j);
                        }
                    }

                    quotedFirstWord |= words.Count == 0;
                    word.Append(line, i + 1, end - i - 1);
                    i = end;
                    continue;
                }

                if (!IsLiteral(c))
                {
                    return Describe(line, i);
                }

                if (c == '=' && words.Count == 0)
                {
                    return "a variable assignment (NAME=value)";
                }

                word.Append(c);
            }

            if (inWord)
            {
                words.Add(word.ToString());
            }

            if (words.Count == 0)
            {
                return "an empty command line";
            }

            if (!quotedFirstWord && ShellOnlyFirstWords.Contains(words[0]))
            {
                return $"the shell word '{words[0]}'";
            }

            return null;
        }

        // Letters, digits and punctuation that no POSIX shell (nor bash) expands or splits on outside quotes.
        private static bool IsLiteral(char c) =>
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == ',' || c == '@' || c == '%' || c == '+' || c == '='
            || (c > 127 && char.IsLetterOrDigit(c));

        // Inside double quotes, $ ` \ still expand or escape; ! is bash's history expansion. A newline
        // is literal inside quotes, but a line over several lines is treated as a script wherever it breaks.
        private static bool IsSpecialInDoubleQuotes(char c) => c == '$' || c == '`' || c == '\\' || c == '!' || IsSpecialInSingleQuotes(c);

        private static bool IsSpecialInSingleQuotes(char c) => c == '\n' || c == '\r';

        /// <summary>The syntax at <paramref name="at"/> as a message names it: an operator of two characters whole.</summary>
        private static string Describe(string line, int at)
        {
            foreach (var two in new[] { "&&", "||", "$(", "${", ">>", "<<" })
            {
                if (string.CompareOrdinal(line, at, two, 0, 2) == 0)
                {
                    return $"'{two}'";
                }
            }

            var c = line[at];
            if (c == '\n')
            {
                return "a newline";
            }

            return char.IsControl(c) || char.IsWhiteSpace(c) ? $"the character U+{(int)c:X4}" : $"'{c}'";
        }
    }
}
