using System.Collections.Generic;
using System.Linq;
using Sentinel.Execution;

namespace Sentinel.Files
{
    /// <summary>
    /// A remote SHA-256 program: one simple command for many files (so a sudoers rule can name it),
    /// and a reader that matches each expected name exactly, in order, so no file name (newlines,
    /// backslashes, a fake hash inside a name) can make one file's line pass for another's. Hosts
    /// differ: GNU and BusyBox have sha256sum, macOS shasum, the BSDs sha256, almost all openssl.
    /// </summary>
    internal sealed class HashTool
    {
        /// <summary>Paths per command: far below ARG_MAX even for long paths.</summary>
        public const int BatchSize = 200;

        public static readonly HashTool Sha256Sum = new HashTool("sha256sum", "sha256sum", "  ");

        /// <summary>Perl's shasum (macOS, most Linux): sha256sum's format and escaping.</summary>
        public static readonly HashTool Shasum = new HashTool("shasum", "shasum -a 256", "  ");

        /// <summary>The BSDs' sha256: -q prints the bare hash, one line per file it could read.</summary>
        public static readonly HashTool BsdSha256 = new HashTool("sha256", "sha256 -q", null);

        /// <summary>openssl dgst -r prints "hash *name"; OpenSSL 3 escapes a newline in a name (not a backslash).</summary>
        public static readonly HashTool OpenSsl = new HashTool("openssl", "openssl dgst -sha256 -r", " *");

        /// <summary>The tools in the order they are preferred when a host has several.</summary>
        public static readonly IReadOnlyList<HashTool> InPreference = new[] { Sha256Sum, Shasum, BsdSha256, OpenSsl };

        private readonly string _invocation;

        /// <summary>What separates the hash from the name; null for a tool that prints the hash alone.</summary>
        private readonly string? _separator;

        private HashTool(string program, string invocation, string? separator)
        {
            Program = program;
            _invocation = invocation;
            _separator = separator;
        }

        /// <summary>The program's name, as <c>command -v</c> is asked for it.</summary>
        public string Program { get; }

        /// <summary>
        /// True when a line does not name its file (sha256 -q): the output maps onto the paths only when
        /// every file gave its line, so a batch with a failure is hashed again one file at a time.
        /// </summary>
        public bool NamesNoFiles => _separator == null;

        public string Command(IEnumerable<string> paths) => _invocation + " -- " + string.Join(" ", paths.Select(ShellQuote.Quote));

        /// <summary>
        /// The hash of each path, in order; null for a path the tool printed no line for (it could not
        /// read it: its complaint went to stderr). GNU sha256sum and shasum escape a name holding a
        /// backslash or a newline (carriage return too, since coreutils 9) and mark the line with a
        /// leading backslash; OpenSSL 3 escapes only newlines; BusyBox and older OpenSSL print names raw.
        /// Each form is accepted, for the expected name only.
        /// </summary>
        public string?[] Parse(string output, IReadOnlyList<string> paths)
        {
            if (_separator == null)
            {
                return BareHashes(output, paths.Count);
            }

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
                        at += (line.Escaped ? 1 : 0) + 64 + _separator.Length + line.Name.Length + 1;
                        break;
                    }
                }
            }

            return hashes;
        }

        /// <summary>One bare hash per line: all of them when there is one for each path, else none (which line is whose is unknown).</summary>
        private static string?[] BareHashes(string output, int count)
        {
            var lines = output.Split('\n').Where(line => line.Length > 0).ToArray();
            return lines.Length == count && lines.All(line => line.Length == 64 && line.All(IsLowerHex))
                ? lines
                : new string?[count];
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

            var newlinesOnly = path.Replace("\n", "\\n");
            if (newlinesOnly != escaped && newlinesOnly != path)
            {
                yield return (true, newlinesOnly);
            }
        }

        /// <summary>The hash when <paramref name="output"/> holds, at <paramref name="at"/>, exactly this file's line.</summary>
        private string? Match(string output, int at, bool escaped, string name)
        {
            var separator = _separator!;
            var start = at + (escaped ? 1 : 0);
            var nameAt = start + 64 + separator.Length;
            var end = nameAt + name.Length;
            if (end >= output.Length + 1 || (escaped && output[at] != '\\'))
            {
                return null;
            }

            var hash = output.Substring(start, 64);
            if (!hash.All(IsLowerHex)
                || string.CompareOrdinal(output, start + 64, separator, 0, separator.Length) != 0
                || string.CompareOrdinal(output, nameAt, name, 0, name.Length) != 0
                || (end < output.Length && output[end] != '\n'))
            {
                return null;
            }

            return hash;
        }

        private static bool IsLowerHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }
}
