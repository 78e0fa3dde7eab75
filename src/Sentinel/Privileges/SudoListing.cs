using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Sentinel.Privileges
{
    /// <summary>What <c>sudo -n -l</c> answered, before any rule is read.</summary>
    internal enum SudoListOutcome
    {
        /// <summary>sudo listed the user's rules (possibly none).</summary>
        Listed,

        /// <summary>sudo wants a password to list: no NOPASSWD rule at all (sudo's default listpw=any), or no rule.</summary>
        PasswordRequired,

        /// <summary>requiretty: sudo refuses anything without a terminal, which Sentinel never has.</summary>
        RequiresTty,

        /// <summary>The user may not run sudo on this host.</summary>
        NotAllowed,

        /// <summary>There is no sudo on the host.</summary>
        NotInstalled,

        /// <summary>Anything else: the output did not look like sudo's.</summary>
        Unrecognised,
    }

    /// <summary>One command of a rule's list, with the tags in force for it.</summary>
    internal sealed class SudoCommandSpec
    {
        public SudoCommandSpec(string program, string? arguments, bool negated, bool noPassword, string text)
        {
            Program = program;
            Arguments = arguments;
            Negated = negated;
            NoPassword = noPassword;
            Text = text;
        }

        /// <summary>A path (wildcards allowed, a trailing '/' for a folder), or ALL.</summary>
        public string Program { get; }

        /// <summary>
        /// The arguments as sudoers holds them, escapes removed: null allows any arguments, <c>""</c> none,
        /// anything else must match the command's arguments joined by spaces (wildcards allowed).
        /// </summary>
        public string? Arguments { get; }

        /// <summary>A '!' entry: matching it forbids the command.</summary>
        public bool Negated { get; }

        public bool NoPassword { get; }

        /// <summary>The entry as sudo printed it, for messages.</summary>
        public string Text { get; }
    }

    /// <summary>One rule line of the listing: whom it runs as, and its commands.</summary>
    internal sealed class SudoRule
    {
        public SudoRule(IReadOnlyList<string> runAs, IReadOnlyList<SudoCommandSpec> commands, string text)
        {
            RunAs = runAs;
            Commands = commands;
            Text = text;
        }

        /// <summary>The Runas users (the part before ':'); sudo prints (root) for a rule that names none.</summary>
        public IReadOnlyList<string> RunAs { get; }

        public IReadOnlyList<SudoCommandSpec> Commands { get; }

        public string Text { get; }

        /// <summary>Whether the rule lets commands run as root, as Sentinel's sudo (no -u) asks.</summary>
        public bool AppliesToRoot =>
            !RunAs.Any(user => user == "!root" || user == "!#0" || user == "!ALL")
            && (RunAs.Count == 0 || RunAs.Any(user => user == "ALL" || user == "root" || user == "#0"));
    }

    /// <summary>
    /// <c>LC_ALL=C sudo -n -l</c> output, read: its Defaults entries and rules. The text comes from the host,
    /// so reading it never throws and is bounded: at most <see cref="MaxLines"/> lines, <see cref="MaxRules"/>
    /// rules, <see cref="MaxCommandsPerRule"/> commands a rule.
    /// </summary>
    internal sealed class SudoListing
    {
        public const int MaxLines = 10000;
        public const int MaxRules = 1000;
        public const int MaxCommandsPerRule = 1000;
        private const int MaxLineLength = 65536;

        // Tags sudo prints before a command ("NOPASSWD:", "SETENV:"...); only the password pair matters here.
        private static readonly HashSet<string> Tags = new HashSet<string>(StringComparer.Ordinal)
        {
            "NOPASSWD", "PASSWD", "NOEXEC", "EXEC", "SETENV", "NOSETENV", "LOG_INPUT", "NOLOG_INPUT",
            "LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL", "NOMAIL", "FOLLOW", "NOFOLLOW", "INTERCEPT", "NOINTERCEPT",
        };

        private SudoListing(SudoListOutcome outcome, IReadOnlyList<string> defaults, IReadOnlyList<SudoRule> rules)
        {
            Outcome = outcome;
            Defaults = defaults;
            Rules = rules;
        }

        public SudoListOutcome Outcome { get; }

        /// <summary>The "Matching Defaults entries", one entry each (<c>env_reset</c>, <c>secure_path=...</c>).</summary>
        public IReadOnlyList<string> Defaults { get; }

        /// <summary>The rules in the order sudo listed them (its sudoers order: the last match wins).</summary>
        public IReadOnlyList<SudoRule> Rules { get; }

        /// <summary>Where sudo looks up a command given without a path; null when sudoers sets no secure_path.</summary>
        public string? SecurePath =>
            Defaults.Where(d => d.StartsWith("secure_path=", StringComparison.Ordinal)).Select(d => Unescape(d.Substring("secure_path=".Length)).Trim('"')).LastOrDefault();

        /// <summary>True when Defaults turn authentication off (<c>!authenticate</c>): rules without a tag need no password.</summary>
        public bool AuthenticateOff => Defaults.LastOrDefault(d => d == "authenticate" || d == "!authenticate") == "!authenticate";

        /// <summary>Reads sudo's answer: its exit code, stdout and stderr.</summary>
        public static SudoListing Parse(int? exitCode, string output, string error)
        {
            var said = (error + "\n" + output).ToLowerInvariant();
            if (exitCode == 127 && (said.Contains("not found") || said.Contains("no such file")))
            {
                return Empty(SudoListOutcome.NotInstalled);
            }

            if (said.Contains("must have a tty") || said.Contains("a terminal is required"))
            {
                return Empty(SudoListOutcome.RequiresTty);
            }

            if (said.Contains("password is required"))
            {
                return Empty(SudoListOutcome.PasswordRequired);
            }

            if (said.Contains("is not allowed to run sudo") || said.Contains("not in the sudoers file"))
            {
                return Empty(SudoListOutcome.NotAllowed);
            }

            var listing = ParseListing(output);
            return exitCode == 0 && (listing.Rules.Count > 0 || listing.Defaults.Count > 0) ? listing : Empty(SudoListOutcome.Unrecognised);
        }

        private static SudoListing Empty(SudoListOutcome outcome) => new SudoListing(outcome, Array.Empty<string>(), Array.Empty<SudoRule>());

        private static SudoListing ParseListing(string output)
        {
            var defaults = new List<string>();
            var ruleTexts = new List<string>();
            var section = string.Empty;
            foreach (var raw in output.Split('\n').Take(MaxLines))
            {
                var line = raw.TrimEnd('\r');
                if (line.Length > MaxLineLength)
                {
                    line = line.Substring(0, MaxLineLength);
                }

                if (line.Trim().Length == 0)
                {
                    continue;
                }

                var indent = line.Length - line.TrimStart(' ', '\t').Length;
                var text = line.Trim();
                if (indent == 0)
                {
                    section = text.StartsWith("Matching Defaults entries for ", StringComparison.Ordinal) ? "defaults"
                        : text.StartsWith("User ", StringComparison.Ordinal) && text.Contains(" may run the following commands on ") ? "rules"
                        : "other";
                    continue;
                }

                if (section == "defaults")
                {
                    // Wrapped lines only continue the comma-separated list.
                    defaults.AddRange(SplitUnescaped(text, ',').Select(entry => entry.Trim()).Where(entry => entry.Length > 0));
                }
                else if (section == "rules")
                {
                    // sudo wraps a long rule onto lines indented deeper than the rule's own four spaces.
                    if (indent > 4 && ruleTexts.Count > 0)
                    {
                        ruleTexts[ruleTexts.Count - 1] += " " + text;
                    }
                    else if (ruleTexts.Count < MaxRules)
                    {
                        ruleTexts.Add(text);
                    }
                }
            }

            var authenticateOff = new SudoListing(SudoListOutcome.Listed, defaults, Array.Empty<SudoRule>()).AuthenticateOff;
            var rules = ruleTexts.Select(text => ParseRule(text, authenticateOff)).ToList();
            return new SudoListing(SudoListOutcome.Listed, defaults, rules);
        }

        /// <summary>"(ALL : ALL) NOPASSWD: /a, !/b c" into its Runas users and commands; tags carry from one command to the next, as in sudoers.</summary>
        internal static SudoRule ParseRule(string text, bool authenticateOff)
        {
            var rest = text;
            var runAs = new List<string>();
            if (rest.StartsWith("(", StringComparison.Ordinal))
            {
                var close = rest.IndexOf(')');
                if (close > 0)
                {
                    var users = rest.Substring(1, close - 1).Split(':')[0];
                    runAs.AddRange(users.Split(',').Select(u => u.Trim()).Where(u => u.Length > 0));
                    rest = rest.Substring(close + 1);
                }
            }

            var noPassword = authenticateOff;
            var commands = new List<SudoCommandSpec>();
            foreach (var rawEntry in SplitUnescaped(rest, ',').Take(MaxCommandsPerRule))
            {
                var entry = rawEntry.Trim();
                var printed = entry;

                // Options (TIMEOUT=10, ROLE=x...) and tags (NOPASSWD: ...) come before the command.
                while (true)
                {
                    var word = FirstWord(entry);
                    if (word.EndsWith(":", StringComparison.Ordinal) && Tags.Contains(word.TrimEnd(':')))
                    {
                        var tag = word.TrimEnd(':');
                        if (tag == "NOPASSWD")
                        {
                            noPassword = true;
                        }
                        else if (tag == "PASSWD")
                        {
                            noPassword = false;
                        }
                    }
                    else if (word.Length > 1 && word.IndexOf('=') > 0 && word.Substring(0, word.IndexOf('=')).All(c => (c >= 'A' && c <= 'Z') || c == '_'))
                    {
                        // An option such as TIMEOUT=10: not about passwords.
                    }
                    else
                    {
                        break;
                    }

                    entry = entry.Substring(word.Length).TrimStart();
                }

                var negated = false;
                while (entry.StartsWith("!", StringComparison.Ordinal))
                {
                    negated = !negated;
                    entry = entry.Substring(1).TrimStart();
                }

                if (entry.Length == 0)
                {
                    continue;
                }

                var program = Unescape(FirstWord(entry));
                var arguments = entry.Length > FirstWord(entry).Length ? Unescape(entry.Substring(FirstWord(entry).Length).Trim()) : null;
                commands.Add(new SudoCommandSpec(program, arguments, negated, noPassword, printed));
            }

            return new SudoRule(runAs, commands, text);
        }

        private static string FirstWord(string text)
        {
            var end = 0;
            while (end < text.Length && text[end] != ' ' && text[end] != '\t')
            {
                end += text[end] == '\\' && end + 1 < text.Length ? 2 : 1;
            }

            return text.Substring(0, end);
        }

        /// <summary>Splits on <paramref name="separator"/> where no backslash escapes it (sudoers writes a literal comma as \,).</summary>
        internal static IEnumerable<string> SplitUnescaped(string text, char separator)
        {
            var part = new StringBuilder();
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    part.Append(text[i]).Append(text[i + 1]);
                    i++;
                }
                else if (text[i] == separator)
                {
                    yield return part.ToString();
                    part.Clear();
                }
                else
                {
                    part.Append(text[i]);
                }
            }

            yield return part.ToString();
        }

        /// <summary>sudoers escapes ',' ':' '=' with a backslash; the command sees them bare. Other escapes (\*, \\) are kept for the wildcard match.</summary>
        private static string Unescape(string text)
        {
            var result = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '\\' && i + 1 < text.Length && ",:=".IndexOf(text[i + 1]) >= 0)
                {
                    continue;
                }

                result.Append(text[i]);
            }

            return result.ToString();
        }
    }
}
