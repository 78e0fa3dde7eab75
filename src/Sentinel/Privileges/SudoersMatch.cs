using System;
using System.Collections.Generic;
using System.Linq;
using Sentinel.Results;

namespace Sentinel.Privileges
{
    /// <summary>
    /// Whether a listed rule allows a command, following sudoers for the common cases: ALL; a path alone
    /// (any arguments); a path with arguments (matched whole, joined by spaces); <c>""</c> (no arguments);
    /// fnmatch wildcards (<c>* ? [..]</c>, in paths not across '/'); a folder ending in '/'; '!' entries;
    /// the last matching entry wins; only rules that may run as root count. Two paths name the same
    /// program when they are equal or when the host says they are the same file (<c>/bin/cat</c> and
    /// <c>/usr/bin/cat</c> on a merged /usr), as sudo compares inodes.
    /// Not modelled: regular-expression arguments (<c>^...$</c>), sha256 digests, sudoedit, host and
    /// user lists (sudo -l lists only what applies to this user and host), Runas groups, and rules
    /// for other users' identities (-u).
    /// </summary>
    internal static class SudoersMatch
    {
        private static readonly char[] WildcardCharacters = { '*', '?', '[' };

        /// <summary>The last entry of the applicable rules that matches the command, with its rule; null when none does.</summary>
        public static (SudoCommandSpec Spec, SudoRule Rule)? Decide(SudoListing listing, string program, IReadOnlyList<string> arguments, Func<string, string, bool> sameFile)
        {
            (SudoCommandSpec, SudoRule)? last = null;
            foreach (var rule in listing.Rules.Where(r => r.AppliesToRoot))
            {
                foreach (var spec in rule.Commands.Where(spec => Matches(spec, program, arguments, sameFile)))
                {
                    last = (spec, rule);
                }
            }

            return last;
        }

        /// <summary>What the decision means for Sentinel: no rule or a '!' entry forbids; otherwise the entry's password tag decides.</summary>
        public static SudoAccess Access((SudoCommandSpec Spec, SudoRule Rule)? decision) =>
            decision == null || decision.Value.Spec.Negated ? SudoAccess.NotAllowed
            : decision.Value.Spec.NoPassword ? SudoAccess.NoPassword
            : SudoAccess.Password;

        public static bool Matches(SudoCommandSpec spec, string program, IReadOnlyList<string> arguments, Func<string, string, bool> sameFile)
        {
            if (spec.Program == "ALL")
            {
                return true;
            }

            if (!spec.Program.StartsWith("/", StringComparison.Ordinal) || !program.StartsWith("/", StringComparison.Ordinal))
            {
                return false;
            }

            if (spec.Program.EndsWith("/", StringComparison.Ordinal))
            {
                // A folder: any program directly in it, with any arguments (sudoers allows none to be given).
                var folder = program.Substring(0, program.LastIndexOf('/') + 1);
                return spec.Arguments == null && FnMatch(spec.Program, folder, pathName: true);
            }

            var programMatches = HasWildcard(spec.Program)
                ? FnMatch(spec.Program, program, pathName: true)
                : spec.Program == program || (BaseName(spec.Program) == BaseName(program) && sameFile(spec.Program, program));
            if (!programMatches)
            {
                return false;
            }

            if (spec.Arguments == null)
            {
                return true;
            }

            if (spec.Arguments == "\"\"")
            {
                return arguments.Count == 0;
            }

            return arguments.Count > 0 && FnMatch(spec.Arguments, string.Join(" ", arguments), pathName: false);
        }

        public static bool HasWildcard(string text) => text.IndexOfAny(WildcardCharacters) >= 0;

        public static string BaseName(string path) => path.Substring(path.LastIndexOf('/') + 1);

        /// <summary>
        /// POSIX fnmatch: '*' any run, '?' one character, '[...]' a class ('!' or '^' negates, ranges),
        /// '\' quotes the next character. With <paramref name="pathName"/>, none of them matches '/'.
        /// Linear backtracking on the last '*', so hostile patterns cost at most pattern × text steps.
        /// </summary>
        public static bool FnMatch(string pattern, string text, bool pathName)
        {
            int p = 0, t = 0, star = -1, mark = 0;
            while (t < text.Length)
            {
                if (p < pattern.Length)
                {
                    var c = pattern[p];
                    if (c == '*')
                    {
                        star = p++;
                        mark = t;
                        continue;
                    }

                    var slashBlocked = pathName && text[t] == '/';
                    if (c == '?' && !slashBlocked)
                    {
                        p++;
                        t++;
                        continue;
                    }

                    if (c == '[' && ClassEnd(pattern, p) is int end)
                    {
                        if (!slashBlocked && ClassMatches(pattern, p, end, text[t]))
                        {
                            p = end + 1;
                            t++;
                            continue;
                        }
                    }
                    else if (c == '\\' && p + 1 < pattern.Length)
                    {
                        if (pattern[p + 1] == text[t])
                        {
                            p += 2;
                            t++;
                            continue;
                        }
                    }
                    else if (c != '?' && c == text[t])
                    {
                        p++;
                        t++;
                        continue;
                    }
                }

                // Let the last '*' take one more character, unless that character is a '/' it may not cross.
                if (star >= 0 && !(pathName && text[mark] == '/'))
                {
                    p = star + 1;
                    t = ++mark;
                    continue;
                }

                return false;
            }

            while (p < pattern.Length && pattern[p] == '*')
            {
                p++;
            }

            return p == pattern.Length;
        }

        /// <summary>The index of the ']' closing the class that opens at <paramref name="open"/>; null when it is not a class (then '[' is literal).</summary>
        private static int? ClassEnd(string pattern, int open)
        {
            var i = open + 1;
            if (i < pattern.Length && (pattern[i] == '!' || pattern[i] == '^'))
            {
                i++;
            }

            if (i < pattern.Length && pattern[i] == ']')
            {
                i++;
            }

            for (; i < pattern.Length; i++)
            {
                if (pattern[i] == ']')
                {
                    return i;
                }
            }

            return null;
        }

        private static bool ClassMatches(string pattern, int open, int end, char c)
        {
            var i = open + 1;
            var negate = pattern[i] == '!' || pattern[i] == '^';
            if (negate)
            {
                i++;
            }

            var matched = false;
            for (var first = true; i < end; first = false)
            {
                if (pattern[i] == ']' && !first)
                {
                    break;
                }

                var low = pattern[i];
                if (i + 2 < end && pattern[i + 1] == '-')
                {
                    matched |= c >= low && c <= pattern[i + 2];
                    i += 3;
                }
                else
                {
                    matched |= c == low;
                    i++;
                }
            }

            return matched != negate;
        }
    }
}
