using System;
using System.Collections.Generic;

namespace Sentinel.Connections
{
    /// <summary>OpenSSH's pattern lists, shared by known_hosts and ssh_config (host names, and algorithms to remove).</summary>
    internal static class HostPatterns
    {
        /// <summary>True when some pattern matches the name and no negated (<c>!</c>) one does; <c>*</c> and <c>?</c> are wildcards, case is ignored.</summary>
        public static bool Matches(IEnumerable<string> patterns, string name)
        {
            var matched = false;
            foreach (var raw in patterns)
            {
                var negated = raw.StartsWith("!", StringComparison.Ordinal);
                var pattern = negated ? raw.Substring(1) : raw;
                if (Glob(pattern, name))
                {
                    if (negated)
                    {
                        return false;
                    }

                    matched = true;
                }
            }

            return matched;
        }

        /// <summary>
        /// <c>*</c> and <c>?</c> wildcards, case ignored, as OpenSSH's match_pattern. Called for every
        /// known_hosts line on every connection, so it builds nothing (a regex per line cost about
        /// 2 ms a connection against a 100-line file).
        /// </summary>
        public static bool Glob(string pattern, string name)
        {
            int p = 0, n = 0, star = -1, resume = 0;
            while (n < name.Length)
            {
                if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(name[n])))
                {
                    p++;
                    n++;
                }
                else if (p < pattern.Length && pattern[p] == '*')
                {
                    star = p++;
                    resume = n;
                }
                else if (star >= 0)
                {
                    // Let the last * take one more character and try again from there.
                    p = star + 1;
                    n = ++resume;
                }
                else
                {
                    return false;
                }
            }

            while (p < pattern.Length && pattern[p] == '*')
            {
                p++;
            }

            return p == pattern.Length;
        }
    }
}
