using System.Collections.Generic;
using System.Linq;
using Sentinel.Execution;

namespace Sentinel.Files
{
    /// <summary>
    /// Remote SHA-256 through <c>sha256sum</c>: one simple command for many files (so a sudoers rule
    /// can name it), and a reader that matches each expected name exactly, in order, so no file
    /// name (newlines, backslashes, a fake hash inside a name) can make one file's line pass for another's.
    /// </summary>
    internal static class Sha256Sum
    {
        /// <summary>Paths per command: far below ARG_MAX even for long paths.</summary>
        public const int BatchSize = 200;

        public static string Command(IEnumerable<string> paths) => "sha256sum -- " + string.Join(" ", paths.Select(ShellQuote.Quote));

        /// <summary>
        /// The hash of each path, in order; null for a path sha256sum printed no line for (it could not
        /// read it: its complaint went to stderr). GNU sha256sum escapes a name holding a backslash or
        /// a newline (carriage return too, since coreutils 9) and marks the line with a leading
        /// backslash; BusyBox prints names raw. Both forms are accepted, for the expected name only.
        /// </summary>
        public static string?[] Parse(string output, IReadOnlyList<string> paths)
        {
            var hashes = new string?[paths.Count];
            var at = 0;
            for (var i = 0; i < paths.Count; i++)
            {
                foreach (var line in Candidates(paths[i]))
                {
                    var hash = Match(output, at, line.Escaped, line.Name);
                    if (hash != null)
                    {
                        hashes[i] = hash;
                        at += (line.Escaped ? 1 : 0) + 64 + 2 + line.Name.Length + 1;
                        break;
                    }
                }
            }

            return hashes;
        }

        private static IEnumerable<(bool Escaped, string Name)> Candidates(string path)
        {
            yield return (false, path);
            var escaped = path.Replace("\\", "\\\\").Replace("\n", "\\n");
            yield return (true, escaped);
            var escapedCr = escaped.Replace("\r", "\\r");
            if (escapedCr != escaped)
            {
                yield return (true, escapedCr);
            }
        }

        /// <summary>The hash when <paramref name="output"/> holds, at <paramref name="at"/>, exactly this file's line.</summary>
        private static string? Match(string output, int at, bool escaped, string name)
        {
            var start = at + (escaped ? 1 : 0);
            var end = start + 64 + 2 + name.Length;
            if (end >= output.Length + 1 || (escaped && output[at] != '\\'))
            {
                return null;
            }

            var hash = output.Substring(start, 64);
            if (!hash.All(IsLowerHex)
                || string.CompareOrdinal(output, start + 64, "  ", 0, 2) != 0
                || string.CompareOrdinal(output, start + 66, name, 0, name.Length) != 0
                || (end < output.Length && output[end] != '\n'))
            {
                return null;
            }

            return hash;
        }

        private static bool IsLowerHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }
}
