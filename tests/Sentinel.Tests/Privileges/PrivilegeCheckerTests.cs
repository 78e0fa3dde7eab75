using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Execution;
using Sentinel.Privileges;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Xunit;

namespace Sentinel.Tests.Privileges
{
    /// <summary>PrivilegeChecker against a scripted host: what it asks (never under sudo), and its verdict per action.</summary>
    public sealed class PrivilegeCheckerTests
    {
        private const string SecurePath = @"secure_path=/usr/local/sbin\:/usr/local/bin\:/usr/sbin\:/usr/bin\:/sbin\:/bin";

        private readonly List<CommandRequest> _asked = new List<CommandRequest>();

        private static string Listing(params string[] rules) =>
            "Matching Defaults entries for ops on web01:\n    env_reset, " + SecurePath + "\n\n" +
            "User ops may run the following commands on web01:\n" + string.Concat(rules.Select(rule => "    " + rule + "\n"));

        private Task<IReadOnlyList<PrivilegeCheckResult>> Check(Func<string, (int Exit, string Output, string Error)> answer, ServiceManager? manager, bool container, params string[] services) =>
            new PrivilegeChecker(new ScriptedRemoteHost(ScriptedRemoteHost.NewSession(), (request, _) =>
            {
                _asked.Add(request);
                var (exit, output, error) = answer(request.Command);
                return Task.FromResult(new CommandResult("web01", 1, request.Command, request.Sudo, exit, null, output, error, DateTime.Now, TimeSpan.Zero, output.Length, error.Length, false));
            }), CancellationToken.None).CheckAsync(services, manager, container);

        private static Func<string, (int, string, string)> Answers(string listing, string resolved = "", string sameFile = "") => command =>
            command == PrivilegeChecker.ListCommand ? (0, listing, string.Empty)
            : command.Contains("command -v", StringComparison.Ordinal) ? (0, resolved, string.Empty)
            : command.Contains(" -ef ", StringComparison.Ordinal) ? (0, sameFile, string.Empty)
            : throw new InvalidOperationException("unexpected: " + command);

        [Fact]
        public async Task JudgesEachSysVActionByTheLastMatchingRuleAndSuggestsALineOnlyForWhatIsMissing()
        {
            var results = await Check(
                Answers(Listing("(ALL) ALL", "(root) NOPASSWD: /usr/sbin/service nginx start, /usr/sbin/service nginx restart")),
                ServiceManager.SysV,
                false,
                "nginx");

            Assert.Equal(
                new[] { PrivilegeAction.Status, PrivilegeAction.Start, PrivilegeAction.Stop, PrivilegeAction.Restart, PrivilegeAction.ConfigTest },
                results.Select(r => r.Action));
            Assert.All(results, r => Assert.Equal(("web01", "ops", "nginx", (ServiceManager?)ServiceManager.SysV), (r.ComputerName, r.UserName, r.Service, r.Manager)));
            Assert.Equal(
                new[] { SudoAccess.NotNeeded, SudoAccess.NoPassword, SudoAccess.Password, SudoAccess.NoPassword, SudoAccess.Password },
                results.Select(r => r.Access));
            Assert.Equal("/usr/sbin/service nginx stop", results[2].Command);
            Assert.Equal(
                new[] { null, null, "ops ALL=(ALL) NOPASSWD: /usr/sbin/service nginx stop", null, "ops ALL=(ALL) NOPASSWD: /usr/sbin/nginx -t" },
                results.Select(r => r.SudoersLine));
            Assert.Contains("rule '(root) NOPASSWD: /usr/sbin/service nginx start, /usr/sbin/service nginx restart'", results[1].Detail);

            // Every program has a full path and no rule spells one another way: sudo -n -l is the one question.
            Assert.Equal(new[] { PrivilegeChecker.ListCommand }, _asked.Select(r => r.Command));
            Assert.All(_asked, r => Assert.False(r.Sudo));
            Assert.All(_asked, r => Assert.Null(r.SudoPassword));
        }

        [Fact]
        public async Task FindsSystemctlOnSecurePathAndMatchesARuleForTheSameFileByAnotherPath()
        {
            var results = await Check(
                Answers(Listing("(root) NOPASSWD: /bin/systemctl restart -- nginx"), resolved: "/usr/bin/systemctl\n", sameFile: "y\n"),
                ServiceManager.Systemd,
                false,
                "nginx");

            var restart = results.Single(r => r.Action == PrivilegeAction.Restart);
            Assert.Equal(("/usr/bin/systemctl restart -- nginx", SudoAccess.NoPassword), (restart.Command, restart.Access));
            var start = results.Single(r => r.Action == PrivilegeAction.Start);
            Assert.Equal(SudoAccess.NotAllowed, start.Access);
            Assert.Equal("ops ALL=(ALL) NOPASSWD: /usr/bin/systemctl start -- nginx", start.SudoersLine);
            Assert.Contains("No sudo rule for 'ops' matches", start.Detail);

            var resolve = _asked.Single(r => r.Command.Contains("command -v", StringComparison.Ordinal)).Command;
            Assert.Equal("PATH='/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'; for p in 'systemctl'; do command -v \"$p\" || echo; done", resolve);
            Assert.Equal("if [ '/bin/systemctl' -ef '/usr/bin/systemctl' ]; then echo y; else echo n; fi", _asked.Last().Command);
        }

        [Fact]
        public async Task ARuleForAnotherFileOfTheSameNameDoesNotMatch()
        {
            var results = await Check(
                Answers(Listing("(root) NOPASSWD: /bin/systemctl restart -- nginx"), resolved: "/usr/bin/systemctl\n", sameFile: "n\n"),
                ServiceManager.Systemd,
                false,
                "nginx");
            Assert.Equal(SudoAccess.NotAllowed, results.Single(r => r.Action == PrivilegeAction.Restart).Access);
        }

        [Fact]
        public async Task AProgramNotOnSecurePathIsNotInstalledAndNoLineCanHelp()
        {
            var results = await Check(Answers(Listing("(ALL) NOPASSWD: ALL"), resolved: "\n"), ServiceManager.Systemd, false, "nginx");

            foreach (var action in new[] { PrivilegeAction.Start, PrivilegeAction.Stop, PrivilegeAction.Restart })
            {
                var result = results.Single(r => r.Action == action);
                Assert.Equal(SudoAccess.NotAllowed, result.Access);
                Assert.Null(result.SudoersLine);
                Assert.Contains("'systemctl' is not installed on web01", result.Detail);
            }

            Assert.Equal(SudoAccess.NoPassword, results.Single(r => r.Action == PrivilegeAction.ConfigTest).Access);
        }

        [Theory]
        [InlineData("sudo: a password is required\n", SudoAccess.Unknown, "never sends one")]
        [InlineData("sudo: sorry, you must have a tty to run sudo\n", SudoAccess.NotAllowed, "requiretty")]
        [InlineData("Sorry, user ops may not run sudo on web01.\nops is not allowed to run sudo on web01.\n", SudoAccess.NotAllowed, "may not run sudo")]
        public async Task WhenSudoWillNotListEveryActionSaysWhyAndSuggestsItsLine(string stderr, SudoAccess access, string why)
        {
            var results = await Check(
                command => command == PrivilegeChecker.ListCommand ? (1, string.Empty, stderr) : throw new InvalidOperationException("unexpected: " + command),
                ServiceManager.SysV,
                false,
                "nginx");

            var needed = results.Where(r => r.Action != PrivilegeAction.Status).ToList();
            Assert.Equal(4, needed.Count);
            Assert.All(needed, r => Assert.Equal(access, r.Access));
            Assert.All(needed, r => Assert.Contains(why, r.Detail));
            Assert.All(needed, r => Assert.Equal("ops ALL=(ALL) NOPASSWD: " + r.Command, r.SudoersLine));
            Assert.Equal(new[] { PrivilegeChecker.ListCommand }, _asked.Select(r => r.Command));
        }

        [Theory]
        [InlineData("ops adm docker\n", SudoAccess.NoPassword)]
        [InlineData("ops docker-users\n", SudoAccess.NotAllowed)]
        public async Task DockerIsJudgedByGroupMembershipAloneWithoutAskingSudo(string groups, SudoAccess access)
        {
            var results = await Check(
                command => command == PrivilegeChecker.GroupsCommand ? (0, groups, string.Empty) : throw new InvalidOperationException("unexpected: " + command),
                null,
                true);

            var docker = Assert.Single(results);
            Assert.Equal((PrivilegeAction.Docker, "docker", (string?)null, access), (docker.Action, docker.Command, docker.Service, docker.Access));
            Assert.Equal(new[] { PrivilegeChecker.GroupsCommand }, _asked.Select(r => r.Command));
        }

        [Fact]
        public async Task ServicesComeInTheOrderNamedWithDockerLast()
        {
            var results = await Check(
                command => command == PrivilegeChecker.GroupsCommand ? (0, "ops docker\n", string.Empty) : Answers(Listing("(ALL) ALL"))(command),
                ServiceManager.SysV,
                true,
                "ssh",
                "nginx");
            Assert.Equal(new[] { "ssh", "nginx" }, results.Select(r => r.Service).Where(s => s != null).Distinct());
            Assert.Equal(PrivilegeAction.Docker, results.Last().Action);
            Assert.Equal(PrivilegeAction.Status, results.First().Action);
        }

        [Theory]
        [InlineData("/bin/echo a,b", "/bin/echo a\\,b")]
        [InlineData("/usr/bin/env A=1 x:y", "/usr/bin/env A\\=1 x\\:y")]
        [InlineData("/bin/printf \\n", "/bin/printf \\\\n")]
        public void EscapesWhatSudoersReadsAsSyntax(string commandLine, string escaped) =>
            Assert.Equal(escaped, PrivilegeChecker.EscapeForSudoers(commandLine));
    }
}
