using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Sentinel.Connections;
using Sentinel.HostKeys;

namespace Sentinel.Inventory
{
    /// <summary>What ~/.ssh/config says about one host, for the keywords Sentinel honours.</summary>
    internal sealed class SshHostConfig
    {
        public string? HostName { get; set; }

        public int? Port { get; set; }

        public string? User { get; set; }

        public List<string> IdentityFiles { get; } = new List<string>();

        /// <summary>The ProxyJump chain, or null; <c>none</c> reads as null.</summary>
        public string? ProxyJump { get; set; }

        public int? ConnectTimeout { get; set; }

        public int? ServerAliveInterval { get; set; }

        public int? ServerAliveCountMax { get; set; }

        public HostKeyPolicy? StrictHostKeyChecking { get; set; }

        public string? UserKnownHostsFile { get; set; }

        /// <summary>KexAlgorithms as written: a list, or one prefixed with +, - or ^ to change the default.</summary>
        public string? KexAlgorithms { get; set; }

        /// <summary>Ciphers as written, with the same prefixes as KexAlgorithms.</summary>
        public string? Ciphers { get; set; }
    }

    /// <summary>
    /// An OpenSSH client configuration (ssh_config(5)): Host blocks with <c>*</c>, <c>?</c> and <c>!</c>
    /// patterns, the first value for a keyword wins, Include (globs, relative to ~/.ssh) may appear
    /// inside a block. Unknown keywords are ignored, as ssh ignores options it lacks; a malformed line
    /// or a Match block (not supported) is a warning with its file and line.
    /// </summary>
    internal sealed class SshConfig
    {
        private const int MaxIncludeDepth = 16;
        private readonly List<Line> _lines = new List<Line>();
        private readonly List<string> _warnings = new List<string>();

        private SshConfig()
        {
        }

        public IReadOnlyList<string> Warnings => _warnings;

        /// <summary>The names of Host blocks without wildcards or negation: the aliases a user can type.</summary>
        public IEnumerable<string> HostAliases => _lines
            .Where(l => l.Keyword == "host")
            .SelectMany(l => l.Arguments)
            .Where(p => p.IndexOfAny(new[] { '*', '?', '!' }) < 0)
            .Distinct(StringComparer.OrdinalIgnoreCase);

        public static string DefaultPath => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "config");

        /// <summary>Reads a config file; a missing file is an empty configuration.</summary>
        public static SshConfig Load(string path)
        {
            var config = new SshConfig();
            config.Read(path, new[] { "*" }, 0);
            return config;
        }

        public SshHostConfig Resolve(string host)
        {
            var result = new SshHostConfig();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var line in _lines.Where(l => l.Keyword != "host" && HostPatterns.Matches(l.Block, host)))
            {
                var first = seen.Add(line.Keyword);
                var value = line.Arguments[0];
                switch (line.Keyword)
                {
                    case "identityfile":
                        result.IdentityFiles.Add(Expand(value, host));
                        break;
                    case "hostname" when first:
                        result.HostName = Expand(value, host);
                        break;
                    case "port" when first:
                        result.Port = Number(line, 1, 65535);
                        break;
                    case "user" when first:
                        result.User = value;
                        break;
                    case "proxyjump" when first:
                        result.ProxyJump = value.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : value;
                        break;
                    case "connecttimeout" when first:
                        result.ConnectTimeout = Number(line, 1, 3600);
                        break;
                    case "serveraliveinterval" when first:
                        result.ServerAliveInterval = Number(line, 0, 3600);
                        break;
                    case "serveralivecountmax" when first:
                        result.ServerAliveCountMax = Number(line, 1, 100);
                        break;
                    case "stricthostkeychecking" when first:
                        result.StrictHostKeyChecking = Policy(line);
                        break;
                    case "userknownhostsfile" when first:
                        result.UserKnownHostsFile = Expand(value, host);
                        break;
                    case "kexalgorithms" when first:
                        result.KexAlgorithms = value;
                        break;
                    case "ciphers" when first:
                        result.Ciphers = value;
                        break;
                }
            }

            return result;
        }

        private void Read(string path, string[] block, int depth)
        {
            if (!File.Exists(path))
            {
                return;
            }

            var lineNumber = 0;
            foreach (var text in File.ReadAllLines(path))
            {
                lineNumber++;
                var where = $"{path} line {lineNumber}";
                var words = Split(text);
                if (words.Count == 0)
                {
                    continue;
                }

                var keyword = words[0].ToLowerInvariant();
                var arguments = words.Skip(1).ToArray();
                if (arguments.Length == 0)
                {
                    _warnings.Add($"{where}: '{words[0]}' has no value; the line is ignored.");
                    continue;
                }

                switch (keyword)
                {
                    case "host":
                        block = arguments;
                        _lines.Add(new Line(keyword, arguments, block, where));
                        break;
                    case "match":
                        _warnings.Add($"{where}: Match blocks are not supported; the lines up to the next Host are ignored.");
                        block = new string[0];
                        break;
                    case "include" when depth >= MaxIncludeDepth:
                        _warnings.Add($"{where}: Include nested more than {MaxIncludeDepth} deep; ignored.");
                        break;
                    case "include":
                        foreach (var included in arguments.SelectMany(Glob))
                        {
                            Read(included, block, depth + 1);
                        }

                        break;
                    default:
                        _lines.Add(new Line(keyword, arguments, block, where));
                        break;
                }
            }
        }

        /// <summary>ssh's word splitting: whitespace or one '=' between keyword and value, double quotes group.</summary>
        private static List<string> Split(string text)
        {
            var words = new List<string>();
            var trimmed = text.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                return words;
            }

            var equals = Regex.Match(trimmed, @"^([A-Za-z]+)\s*=\s*(.*)$");
            if (equals.Success)
            {
                trimmed = equals.Groups[1].Value + " " + equals.Groups[2].Value;
            }

            var word = new StringBuilder();
            var quoted = false;
            var inWord = false;
            foreach (var c in trimmed)
            {
                if (c == '"')
                {
                    quoted = !quoted;
                    inWord = true;
                }
                else if (char.IsWhiteSpace(c) && !quoted)
                {
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }
                }
                else
                {
                    word.Append(c);
                    inWord = true;
                }
            }

            if (inWord)
            {
                words.Add(word.ToString());
            }

            return words;
        }

        private static IEnumerable<string> Glob(string pattern)
        {
            var path = ConnectionSettings.ExpandPath(pattern);
            if (!Path.IsPathRooted(path))
            {
                path = Path.Combine(Path.GetDirectoryName(DefaultPath)!, path);
            }

            var folder = Path.GetDirectoryName(path)!;
            var name = Path.GetFileName(path);
            if (name.IndexOfAny(new[] { '*', '?' }) < 0)
            {
                return new[] { path };
            }

            return Directory.Exists(folder) ? Directory.GetFiles(folder, name).OrderBy(f => f, StringComparer.Ordinal) : Enumerable.Empty<string>();
        }

        private int? Number(Line line, int min, int max)
        {
            if (int.TryParse(line.Arguments[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            _warnings.Add($"{line.Where}: '{line.Arguments[0]}' is not a number from {min} to {max}; the line is ignored.");
            return null;
        }

        private HostKeyPolicy? Policy(Line line)
        {
            switch (line.Arguments[0].ToLowerInvariant())
            {
                case "yes":
                case "ask":
                    return HostKeyPolicy.Strict;
                case "accept-new":
                    return HostKeyPolicy.AcceptNew;
                case "no":
                case "off":
                    return HostKeyPolicy.Ignore;
                default:
                    _warnings.Add($"{line.Where}: StrictHostKeyChecking '{line.Arguments[0]}' is not yes, accept-new or no; the line is ignored.");
                    return null;
            }
        }

        /// <summary>The tokens ssh expands in paths and names: %h host, %u local user, %d home, %%.</summary>
        private static string Expand(string value, string host) => ConnectionSettings.ExpandPath(value
            .Replace("%%", "\0")
            .Replace("%h", host)
            .Replace("%u", Environment.UserName)
            .Replace("%d", Environment.GetFolderPath(Environment.SpecialFolder.UserProfile))
            .Replace("\0", "%"));

        private sealed class Line
        {
            public Line(string keyword, string[] arguments, string[] block, string where)
            {
                Keyword = keyword;
                Arguments = arguments;
                Block = block;
                Where = where;
            }

            public string Keyword { get; }

            public string[] Arguments { get; }

            /// <summary>The Host patterns the line falls under.</summary>
            public string[] Block { get; }

            public string Where { get; }
        }
    }
}
