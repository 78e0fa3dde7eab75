using System;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Sentinel.Privileges;
using Sentinel.Results;
using Xunit;

namespace Sentinel.Tests.Privileges
{
    public sealed class SudoListingTests
    {
        // sudo 1.9.13 (Debian 12), LC_ALL=C sudo -n -l for the lab user, wrapped at 80 columns as sudo does.
        private const string LabListing = @"Matching Defaults entries for sentinel on vm:
    env_reset, mail_badpass,
    secure_path=/usr/local/sbin\:/usr/local/bin\:/usr/sbin\:/usr/bin\:/sbin\:/bin,
    use_pty, timestamp_timeout=0

User sentinel may run the following commands on vm:
    (ALL) ALL, !/usr/bin/passwd
    (root) NOPASSWD: /usr/sbin/service, /usr/sbin/nginx -t, /bin/cat
";

        // A long rule sudo wrapped (continuation lines indented by eight), Runas-specific defaults, tags and options.
        private const string Wrapped = @"Matching Defaults entries for probe on vm:
    env_reset, mail_badpass,
    secure_path=/usr/local/sbin\:/usr/local/bin\:/usr/sbin\:/usr/bin\:/sbin\:/bin,
    use_pty

Runas and Command-specific defaults for probe:
    Defaults>root !lecture    Defaults!/usr/bin/apt-get env_keep+=http_proxy

User probe may run the following commands on vm:
    (root) NOPASSWD: /usr/sbin/service nginx restart, /usr/sbin/service nginx
        start, /usr/sbin/service nginx stop, /usr/bin/systemctl restart --
        nginx, /bin/echo a\,b, /usr/bin/ls /tmp/*, /usr/sbin/
    (www-data) NOPASSWD: /bin/true
    (ALL : ALL) PASSWD: /bin/false """", SETENV: /bin/ls, NOPASSWD: !/bin/rm
    (ALL) TIMEOUT=10 NOEXEC: /usr/bin/id
";

        private static readonly Func<string, string, bool> NoSameFiles = (a, b) => false;

        [Fact]
        public void ReadsTheLabListing()
        {
            var listing = SudoListing.Parse(0, LabListing, string.Empty);
            Assert.Equal(SudoListOutcome.Listed, listing.Outcome);
            Assert.Equal("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", listing.SecurePath);
            Assert.Contains("timestamp_timeout=0", listing.Defaults);
            Assert.Equal(2, listing.Rules.Count);
            Assert.Equal(new[] { "ALL" }, listing.Rules[0].RunAs);
            Assert.Equal(new[] { "ALL", "/usr/bin/passwd" }, listing.Rules[0].Commands.Select(c => c.Program));
            Assert.True(listing.Rules[0].Commands[1].Negated);
            Assert.False(listing.Rules[0].Commands[0].NoPassword);
            Assert.All(listing.Rules[1].Commands, c => Assert.True(c.NoPassword));
            Assert.Null(listing.Rules[1].Commands[0].Arguments);
            Assert.Equal("-t", listing.Rules[1].Commands[1].Arguments);
        }

        [Theory]
        [InlineData("/usr/sbin/service", "nginx restart", SudoAccess.NoPassword)] // a program alone allows any arguments
        [InlineData("/usr/sbin/nginx", "-t", SudoAccess.NoPassword)]
        [InlineData("/usr/sbin/nginx", "-s reload", SudoAccess.Password)] // arguments must match; ALL still allows it with a password
        [InlineData("/usr/sbin/nginx", "", SudoAccess.Password)]
        [InlineData("/usr/sbin/sshd", "-t", SudoAccess.Password)]
        [InlineData("/usr/bin/passwd", "root", SudoAccess.NotAllowed)] // the negation
        public void JudgesTheLabRulesLastMatchWinning(string program, string arguments, SudoAccess expected)
        {
            var listing = SudoListing.Parse(0, LabListing, string.Empty);
            Assert.Equal(expected, SudoersMatch.Access(SudoersMatch.Decide(listing, program, Split(arguments), NoSameFiles)));
        }

        [Fact]
        public void SameFileByAnotherPathMatchesOnlyWhenTheHostSaysSo()
        {
            var listing = SudoListing.Parse(0, LabListing, string.Empty);
            Assert.Equal(SudoAccess.Password, SudoersMatch.Access(SudoersMatch.Decide(listing, "/usr/bin/cat", Split("x"), NoSameFiles)));
            Assert.Equal(SudoAccess.NoPassword, SudoersMatch.Access(SudoersMatch.Decide(listing, "/usr/bin/cat", Split("x"), (rule, program) => rule == "/bin/cat" && program == "/usr/bin/cat")));
        }

        [Fact]
        public void JoinsWrappedRulesAndCarriesTags()
        {
            var listing = SudoListing.Parse(0, Wrapped, string.Empty);
            Assert.Equal(4, listing.Rules.Count);
            var first = listing.Rules[0].Commands;
            Assert.Equal(7, first.Count);
            Assert.Equal("nginx start", first[1].Arguments);
            Assert.Equal("restart -- nginx", first[3].Arguments);
            Assert.Equal("a,b", first[4].Arguments);
            Assert.False(listing.Rules[1].AppliesToRoot);
            Assert.True(listing.Rules[2].AppliesToRoot);

            var third = listing.Rules[2].Commands;
            Assert.False(third[0].NoPassword);
            Assert.Equal("\"\"", third[0].Arguments);
            Assert.False(third[1].NoPassword); // SETENV keeps PASSWD from before it
            Assert.True(third[2].NoPassword && third[2].Negated);
            Assert.Equal("/usr/bin/id", listing.Rules[3].Commands.Single().Program);
        }

        [Theory]
        [InlineData("/usr/sbin/service", "nginx restart", SudoAccess.NoPassword)]
        [InlineData("/usr/sbin/service", "nginx start", SudoAccess.NoPassword)]
        [InlineData("/usr/sbin/service", "apache2 restart", SudoAccess.NoPassword)] // the folder /usr/sbin/ allows it
        [InlineData("/usr/bin/systemctl", "restart -- nginx", SudoAccess.NoPassword)]
        [InlineData("/usr/bin/systemctl", "restart nginx", SudoAccess.NotAllowed)]
        [InlineData("/bin/echo", "a,b", SudoAccess.NoPassword)]
        [InlineData("/usr/bin/ls", "/tmp/a b", SudoAccess.NoPassword)] // '*' in arguments crosses spaces and slashes
        [InlineData("/usr/bin/ls", "/etc/shadow", SudoAccess.NotAllowed)]
        [InlineData("/bin/true", "", SudoAccess.NotAllowed)] // only as www-data
        [InlineData("/bin/false", "", SudoAccess.Password)] // "" allows no arguments
        [InlineData("/bin/false", "x", SudoAccess.NotAllowed)]
        [InlineData("/bin/ls", "-l", SudoAccess.Password)]
        [InlineData("/bin/rm", "-rf /", SudoAccess.NotAllowed)]
        [InlineData("/usr/bin/id", "", SudoAccess.Password)]
        [InlineData("/usr/sbin/sub/x", "", SudoAccess.NotAllowed)] // a folder rule does not reach into subfolders
        public void JudgesWrappedRules(string program, string arguments, SudoAccess expected)
        {
            var listing = SudoListing.Parse(0, Wrapped, string.Empty);
            Assert.Equal(expected, SudoersMatch.Access(SudoersMatch.Decide(listing, program, Split(arguments), NoSameFiles)));
        }

        [Fact]
        public void NotAuthenticatingDefaultsMakeUntaggedRulesPasswordless()
        {
            var listing = SudoListing.Parse(0, "Matching Defaults entries for u on h:\n    env_reset, !authenticate\n\nUser u may run the following commands on h:\n    (ALL) /usr/bin/id, PASSWD: /usr/bin/w\n", string.Empty);
            Assert.Equal(SudoAccess.NoPassword, SudoersMatch.Access(SudoersMatch.Decide(listing, "/usr/bin/id", Split(""), NoSameFiles)));
            Assert.Equal(SudoAccess.Password, SudoersMatch.Access(SudoersMatch.Decide(listing, "/usr/bin/w", Split(""), NoSameFiles)));
        }

        [Theory]
        [InlineData(1, "", "sudo: a password is required\n", "PasswordRequired")]
        [InlineData(1, "", "sudo: sorry, you must have a tty to run sudo\n", "RequiresTty")]
        [InlineData(1, "User x is not allowed to run sudo on vm.\n", "", "NotAllowed")]
        [InlineData(127, "", "sh: 1: sudo: not found\n", "NotInstalled")]
        [InlineData(0, "hello\n", "", "Unrecognised")]
        [InlineData(null, "", "", "Unrecognised")]
        public void TellsWhySudoListedNothing(int? exitCode, string output, string error, string expected)
            => Assert.Equal(expected, SudoListing.Parse(exitCode, output, error).Outcome.ToString());

        [Theory]
        [InlineData("*", "anything at all", false, true)]
        [InlineData("/usr/sbin/*", "/usr/sbin/service", true, true)]
        [InlineData("/usr/*/service", "/usr/local/sbin/service", true, false)] // '*' stops at '/' in paths
        [InlineData("/usr/*/service", "/usr/local/sbin/service", false, true)]
        [InlineData("/usr/sbin/serv?ce", "/usr/sbin/service", true, true)]
        [InlineData("/usr/sbin/[rs]ervice", "/usr/sbin/service", true, true)]
        [InlineData("/usr/sbin/[!s]ervice", "/usr/sbin/service", true, false)]
        [InlineData("/usr/sbin/[a-r]ervice", "/usr/sbin/service", true, false)]
        [InlineData("a\\*b", "a*b", false, true)]
        [InlineData("a\\*b", "axb", false, false)]
        [InlineData("[unclosed", "[unclosed", false, true)]
        [InlineData("nginx *", "nginx", false, false)]
        [InlineData("", "", false, true)]
        [InlineData("a", "", false, false)]
        public void MatchesLikeFnmatch(string pattern, string text, bool pathName, bool expected)
            => Assert.Equal(expected, SudoersMatch.FnMatch(pattern, text, pathName));

        [Fact]
        public void HostileListingsNeverThrowAndStayBounded()
        {
            var random = new Random(1311);
            var alphabet = "()!:,=\\\"* \t\n/ALNOPSWDabc#";
            var clock = Stopwatch.StartNew();
            for (var round = 0; round < 500; round++)
            {
                var text = new StringBuilder("User u may run the following commands on h:\n");
                for (var i = random.Next(2000); i > 0; i--)
                {
                    text.Append(alphabet[random.Next(alphabet.Length)]);
                }

                var listing = SudoListing.Parse(0, text.ToString(), string.Empty);
                SudoersMatch.Decide(listing, "/usr/sbin/service", new[] { "nginx", "restart" }, NoSameFiles);
            }

            // Pathological patterns: many stars against a long text that almost matches.
            Assert.False(SudoersMatch.FnMatch(string.Concat(Enumerable.Repeat("*a", 2000)) + "b", new string('a', 20000), false));
            var huge = "User u may run the following commands on h:\n" + string.Concat(Enumerable.Repeat("    (ALL) NOPASSWD: /bin/a, /bin/b\n", 50000));
            Assert.Equal(SudoListing.MaxRules, SudoListing.Parse(0, huge, string.Empty).Rules.Count);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        }

        private static string[] Split(string arguments) => arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
