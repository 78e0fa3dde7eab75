using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

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
                var regex = "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$";
                if (Regex.IsMatch(name, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant))
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
    }
}
