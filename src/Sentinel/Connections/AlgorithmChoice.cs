using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Sentinel.Errors;
using Sentinel.Transport;

namespace Sentinel.Connections
{
    /// <summary>
    /// Turns a requested algorithm list (-KeyExchange, -Cipher, or ssh_config's KexAlgorithms and
    /// Ciphers) into what the connection offers, most preferred first. Null means the defaults.
    /// </summary>
    internal static class AlgorithmChoice
    {
        private static readonly char[] Comma = { ',' };

        /// <summary>
        /// An explicit parameter: every name must be one the transport implements, or the whole
        /// invocation is wrong, so the error names what is supported.
        /// </summary>
        public static IReadOnlyList<string> FromParameter(string[] names, AlgorithmSet set, string parameter)
        {
            var chosen = new List<string>();
            foreach (var name in names.SelectMany(Split))
            {
                var known = Canonical(name, set);
                if (known == null)
                {
                    throw new SentinelException(
                        ErrorIds.InvalidArgument,
                        ErrorCategory.InvalidArgument,
                        null,
                        $"-{parameter} '{name}' is not a {set.Kind} Sentinel supports. Supported: {string.Join(", ", set.Supported)}.",
                        $"Pass one or more of the supported names to -{parameter} (Tab completes them).");
                }

                if (!chosen.Contains(known))
                {
                    chosen.Add(known);
                }
            }

            return chosen;
        }

        /// <summary>
        /// An ssh_config value, as ssh reads it: a comma-separated list replaces the default; a leading
        /// '+' appends to it, '-' removes from it (wildcards allowed), '^' puts the names first.
        /// The file is shared with OpenSSH, which knows algorithms Sentinel may not: such names are
        /// skipped with a warning. A value that leaves nothing to offer is an error for the host.
        /// </summary>
        public static IReadOnlyList<string> FromConfig(string value, AlgorithmSet set, string keyword, string host, Action<string> warn)
        {
            var modifier = value.Length > 0 && "+-^".IndexOf(value[0]) >= 0 ? value[0] : ' ';
            var names = Split(modifier == ' ' ? value : value.Substring(1)).ToList();
            var defaults = set.OfferedByDefault;
            List<string> chosen;
            if (modifier == '-')
            {
                chosen = defaults.Where(a => !HostPatterns.Matches(names, a)).ToList();
            }
            else
            {
                var known = new List<string>();
                foreach (var name in names)
                {
                    var canonical = Canonical(name, set);
                    if (canonical == null)
                    {
                        warn($"ssh_config {keyword} for {host}: '{name}' is not a {set.Kind} Sentinel supports; it is skipped.");
                    }
                    else if (!known.Contains(canonical))
                    {
                        known.Add(canonical);
                    }
                }

                chosen = modifier switch
                {
                    '+' => defaults.Concat(known.Where(k => !defaults.Contains(k))).ToList(),
                    '^' => known.Concat(defaults.Where(d => !known.Contains(d))).ToList(),
                    _ => known,
                };
            }

            if (chosen.Count == 0)
            {
                throw new SentinelException(
                    ErrorIds.InvalidArgument,
                    ErrorCategory.InvalidArgument,
                    host,
                    $"ssh_config {keyword} '{value}' for {host} leaves no {set.Kind} Sentinel supports. Supported: {string.Join(", ", set.Supported)}.",
                    $"Change {keyword} in the ssh_config file, or pass the names explicitly.");
            }

            return chosen;
        }

        private static IEnumerable<string> Split(string list) => list.Split(Comma, StringSplitOptions.RemoveEmptyEntries).Select(n => n.Trim()).Where(n => n.Length > 0);

        private static string? Canonical(string name, AlgorithmSet set) => set.Supported.FirstOrDefault(s => string.Equals(s, name, StringComparison.OrdinalIgnoreCase));
    }
}
