using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Sentinel.Connections;
using Sentinel.Errors;
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

        /// <summary>CertificateFile lines, all of them in order, as ssh collects them.</summary>
        public List<string> CertificateFiles { get; } = new List<string>();

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

        /// <summary>IdentityAgent as written (<c>none</c>, <c>SSH_AUTH_SOCK</c>, <c>$VAR</c> or a path), or null.</summary>
        public string? IdentityAgent { get; set; }

        /// <summary>IdentitiesOnly yes: of the agent's identities, only those of the IdentityFile keys are offered.</summary>
        public bool IdentitiesOnly { get; set; }
    }

    /// <summary>
    /// An OpenSSH client configuration (ssh_config(5)): Host blocks with <c>*</c>, <c>?</c> and <c>!</c>
    /// patterns, the first value for a keyword wins, Include (globs, relative to ~/.ssh) may appear
    /// inside a block. Unknown keywords are ignored, as ssh ignores options it lacks; a malformed line,
    /// a Match block (not supported) and a keyword that would change where or how ssh connects but that
    /// Sentinel does not implement (<see cref="Unsupported"/>) are warnings with their file and line.
    /// A file that cannot be read or is not text (a folder, no permission, NUL bytes, over 4 MiB) makes
    /// every host resolved through it a <c>Sentinel.SshConfigInvalid</c> error: connecting as if it
    /// said nothing could dial the wrong host.
    /// </summary>
    internal sealed class SshConfig
    {
        private const int MaxIncludeDepth = 16;
        private const int MaxFilesRead = 256;
        private const int MaxFileBytes = 4 * 1024 * 1024;
        private const int MaxWarnings = 50;

        private static readonly char[] HostPatternCharacters = { '*', '?', '!' };
        private static readonly char[] GlobCharacters = { '*', '?' };
        private static readonly string[] EveryHost = { "*" };

        /// <summary>
        /// Keywords that change where or how ssh would connect, which Sentinel does not implement, with
        /// the values that change nothing (a line with one of those is not worth a warning) and what
        /// Sentinel does instead. Keywords that only affect the session (forwarding, environment, TTY)
        /// are ignored quietly like any unknown keyword.
        /// </summary>
        private static readonly Dictionary<string, (string Name, string[] Harmless, string Instead)> Unsupported = new Dictionary<string, (string, string[], string)>(StringComparer.Ordinal)
        {
            ["proxycommand"] = ("ProxyCommand", new[] { "none" }, "Sentinel connects directly (or through ProxyJump), not through the command"),
            ["hostkeyalias"] = ("HostKeyAlias", Array.Empty<string>(), "host keys are looked up and recorded under the HostName"),
            ["pkcs11provider"] = ("PKCS11Provider", new[] { "none" }, "keys on tokens are not offered, only key files"),
            ["securitykeyprovider"] = ("SecurityKeyProvider", new[] { "internal" }, "FIDO security keys are not offered"),
            ["hostbasedauthentication"] = ("HostbasedAuthentication", new[] { "no" }, "host-based authentication is not offered"),
            ["gssapiauthentication"] = ("GSSAPIAuthentication", new[] { "no" }, "GSSAPI (Kerberos) authentication is not offered"),
            ["preferredauthentications"] = ("PreferredAuthentications", Array.Empty<string>(), "Sentinel offers keys first, then the password, whatever the order written"),
            ["passwordauthentication"] = ("PasswordAuthentication", new[] { "yes" }, "a password, when one is given (-Credential, $env:SSH_PASS), is still offered"),
            ["kbdinteractiveauthentication"] = ("KbdInteractiveAuthentication", new[] { "yes" }, "the setting is not read"),
            ["pubkeyauthentication"] = ("PubkeyAuthentication", new[] { "yes", "unbound", "host-bound" }, "key files are still offered"),
            ["canonicalizehostname"] = ("CanonicalizeHostname", new[] { "no" }, "the name is resolved as written, without the CanonicalDomains search"),
            ["addressfamily"] = ("AddressFamily", new[] { "any" }, "every address the name resolves to is tried, IPv4 and IPv6"),
            ["bindaddress"] = ("BindAddress", Array.Empty<string>(), "the system chooses the local address"),
            ["bindinterface"] = ("BindInterface", Array.Empty<string>(), "the system chooses the local interface"),
            ["hostkeyalgorithms"] = ("HostKeyAlgorithms", Array.Empty<string>(), "Sentinel chooses the host key algorithms itself"),
            ["macs"] = ("MACs", Array.Empty<string>(), "the default MACs are offered"),
            ["pubkeyacceptedalgorithms"] = ("PubkeyAcceptedAlgorithms", Array.Empty<string>(), "each key is offered with its modern signature algorithms"),
            ["pubkeyacceptedkeytypes"] = ("PubkeyAcceptedKeyTypes", Array.Empty<string>(), "each key is offered with its modern signature algorithms"),
            ["globalknownhostsfile"] = ("GlobalKnownHostsFile", Array.Empty<string>(), "only the user's known_hosts file (UserKnownHostsFile, -KnownHostsFile) is read"),
            ["knownhostscommand"] = ("KnownHostsCommand", new[] { "none" }, "the command is not run; only the known_hosts file is read"),
            ["revokedhostkeys"] = ("RevokedHostKeys", new[] { "none" }, "the file is not read; only @revoked lines in known_hosts count"),
            ["verifyhostkeydns"] = ("VerifyHostKeyDNS", new[] { "no" }, "SSHFP records in DNS are not consulted"),
        };

        private readonly List<Line> _lines = new List<Line>();
        private readonly List<string> _warnings = new List<string>();
        private readonly HashSet<string> _warned = new HashSet<string>(StringComparer.Ordinal);
        private readonly Stack<string> _reading = new Stack<string>();
        private int _filesRead;
        private string? _failure;

        private SshConfig()
        {
        }

        /// <summary>Each warning once, at most <see cref="MaxWarnings"/> of them and then one that says there are more.</summary>
        public IReadOnlyList<string> Warnings => _warnings;

        /// <summary>The names of Host blocks without wildcards or negation: the aliases a user can type.</summary>
        public IEnumerable<string> HostAliases => _lines
            .Where(l => l.Keyword == "host")
            .SelectMany(l => l.Arguments)
            .Where(p => p.IndexOfAny(HostPatternCharacters) < 0)
            .Distinct(StringComparer.OrdinalIgnoreCase);

        public static string DefaultPath => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "config");

        /// <summary>
        /// Reads a config file. A missing file is an empty configuration unless <paramref name="mustExist"/>
        /// (a file the user named). Never throws: a file that cannot be used fails each <see cref="Resolve"/>.
        /// </summary>
        public static SshConfig Load(string path, bool mustExist = false)
        {
            var config = new SshConfig();
            if (mustExist && !File.Exists(path) && !Directory.Exists(path))
            {
                config._failure = $"'{path}' does not exist";
            }
            else
            {
                config.Read(path, EveryHost, 0, null);
            }

            return config;
        }

        /// <summary>What the config says about <paramref name="host"/>; a SshConfigInvalid error for it when the file cannot be used.</summary>
        public SshHostConfig Resolve(string host)
        {
            if (_failure != null)
            {
                throw InventoryErrors.SshConfigInvalid(host, _failure);
            }

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
                    case "certificatefile":
                        result.CertificateFiles.Add(Expand(value, host));
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
                    case "identityagent" when first:
                        result.IdentityAgent = value == "SSH_AUTH_SOCK" || value.StartsWith("$", StringComparison.Ordinal) ? value : Expand(value, host);
                        break;
                    case "identitiesonly" when first:
                        result.IdentitiesOnly = value.Equals("yes", StringComparison.OrdinalIgnoreCase);
                        break;

                    default:
                        WarnIfUnsupported(line, first);
                        break;
                }
            }

            return result;
        }

        /// <summary>A keyword Sentinel does not implement, in force for this host with a value that matters: say so.</summary>
        private void WarnIfUnsupported(Line line, bool first)
        {
            if (!Unsupported.TryGetValue(line.Keyword, out var keyword) || !first ||
                keyword.Harmless.Contains(line.Arguments[0], StringComparer.OrdinalIgnoreCase))
            {
                return;
            }

            Warn($"{line.Where}: {keyword.Name} is not supported by Sentinel and is ignored: {keyword.Instead}.");
        }

        private void Warn(string warning)
        {
            // Past the cap nothing more is kept: a garbage file of a million lines costs no memory here.
            if (_warnings.Count > MaxWarnings || !_warned.Add(warning))
            {
                return;
            }

            _warnings.Add(_warnings.Count < MaxWarnings ? warning : "More ssh_config warnings are not shown; check the file with 'ssh -G <host>'.");
        }

        private void Read(string path, string[] block, int depth, string? includedAt)
        {
            var fullPath = Path.GetFullPath(path);
            if (_failure != null || (!File.Exists(fullPath) && !Directory.Exists(fullPath)))
            {
                return; // a missing file says nothing, as for ssh
            }

            if (_reading.Contains(fullPath))
            {
                Warn($"{includedAt}: '{path}' includes itself; the Include is ignored.");
                return;
            }

            if (++_filesRead > MaxFilesRead)
            {
                Warn($"{includedAt}: more than {MaxFilesRead} files read through Include; the rest are ignored.");
                return;
            }

            var lines = LinesOf(fullPath, includedAt);
            if (lines == null)
            {
                return;
            }

            _reading.Push(fullPath);
            try
            {
                ReadLines(path, lines, block, depth);
            }
            finally
            {
                _reading.Pop();
            }
        }

        /// <summary>The file's lines, or null with <see cref="_failure"/> set when it cannot be read or is not text.</summary>
        private string[]? LinesOf(string path, string? includedAt)
        {
            var named = includedAt == null ? $"'{path}'" : $"'{path}' (included at {includedAt})";
            byte[] bytes;
            try
            {
                if (Directory.Exists(path))
                {
                    _failure = $"{named} is a folder, not a file";
                    return null;
                }

                // A pipe or a device reports length 0: read it as empty rather than block on it or read forever.
                var length = new FileInfo(path).Length;
                if (length == 0)
                {
                    return Array.Empty<string>();
                }

                if (length > MaxFileBytes)
                {
                    _failure = $"{named} is larger than {MaxFileBytes / (1024 * 1024)} MiB, which no ssh_config is";
                    return null;
                }

                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is System.Security.SecurityException)
            {
                _failure = $"{named} cannot be read: {e.Message}";
                return null;
            }

            if (Array.IndexOf(bytes, (byte)0) >= 0)
            {
                _failure = $"{named} is not a text file (it holds NUL bytes)";
                return null;
            }

            return new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF').Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        }

        private void ReadLines(string path, string[] lines, string[] block, int depth)
        {
            var lineNumber = 0;
            foreach (var text in lines)
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
                    Warn($"{where}: '{words[0]}' has no value; the line is ignored.");
                    continue;
                }

                switch (keyword)
                {
                    case "host":
                        block = arguments;
                        _lines.Add(new Line(keyword, arguments, block, where));
                        break;
                    case "match":
                        Warn($"{where}: Match blocks are not supported; the lines up to the next Host are ignored.");
                        block = Array.Empty<string>();
                        break;
                    case "include" when depth >= MaxIncludeDepth:
                        Warn($"{where}: Include nested more than {MaxIncludeDepth} deep; ignored.");
                        break;
                    case "include":
                        foreach (var included in arguments.SelectMany(pattern => Glob(pattern, where)))
                        {
                            Read(included, block, depth + 1, where);
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

            var equals = Regex.Match(trimmed, @"^([A-Za-z]+)\s*=\s*(.*)\z");
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

        private string[] Glob(string pattern, string where)
        {
            var path = ConnectionSettings.ExpandPath(pattern);
            if (!Path.IsPathRooted(path))
            {
                path = Path.Combine(Path.GetDirectoryName(DefaultPath)!, path);
            }

            var folder = Path.GetDirectoryName(path)!;
            var name = Path.GetFileName(path);
            if (name.IndexOfAny(GlobCharacters) < 0)
            {
                return new[] { path };
            }

            try
            {
                return Directory.Exists(folder) ? Directory.GetFiles(folder, name).OrderBy(f => f, StringComparer.Ordinal).ToArray() : Array.Empty<string>();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException)
            {
                _failure ??= $"the folder '{folder}' (Include at {where}) cannot be listed: {e.Message}";
                return Array.Empty<string>();
            }
        }

        private int? Number(Line line, int min, int max)
        {
            if (int.TryParse(line.Arguments[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            Warn($"{line.Where}: '{line.Arguments[0]}' is not a number from {min} to {max}; the line is ignored.");
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
                    Warn($"{line.Where}: StrictHostKeyChecking '{line.Arguments[0]}' is not yes, accept-new or no; the line is ignored.");
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
