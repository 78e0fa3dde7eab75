using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Threading.Tasks;
using Sentinel.Execution;
using Sentinel.Results;
using Sentinel.Services;
using Sentinel.Tests.Fakes;
using Xunit;

namespace Sentinel.Tests.Execution
{
    public sealed class SudoCommandLineTests
    {
        private const string FirstAttempt = "/usr/bin/env SUDO_ASKPASS=/bin/ls sudo -A -p '[m]' -- ";
        private const string Marker = "[sentinel-pid:test]";

        [Theory]
        [InlineData("id -u")]
        [InlineData("/usr/sbin/service 'nginx' restart")]
        [InlineData("systemctl restart -- 'nginx.service'")]
        [InlineData("dd if=/dev/zero of=/tmp/x bs=1k count=1")]
        [InlineData("echo \"a b; c | d && e > f\"")]
        [InlineData("printf '%s $HOME `id` \\\\ ; & | <>' x")]
        [InlineData("  cat\t/etc/hostname  ")]
        [InlineData("ls -la /srv/données")]
        [InlineData("'if' quoted-first-word")]
        public void KeepsSudoInFrontOfASimpleCommandSoRulesForItsProgramMatch(string command)
        {
            Assert.Null(ShellSyntax.Find(command));
            Assert.Equal(FirstAttempt + command, Sent(SudoCommandLine.WithoutPassword(command, hasInput: false, "[m]", Marker), closesStdin: true));
            Assert.Equal("sudo -k -S -p '[p]' -- " + command, Sent(SudoCommandLine.WithPassword(command, "[p]", Marker), closesStdin: false));
        }

        [Theory]
        [InlineData("id -u; id -u", "';'")]
        [InlineData("systemctl stop x && rm -rf /var/lib/x", "'&&'")]
        [InlineData("false || id", "'||'")]
        [InlineData("id | cat", "'|'")]
        [InlineData("sleep 9 &", "'&'")]
        [InlineData("cat < /etc/shadow", "'<'")]
        [InlineData("echo x > /etc/motd", "'>'")]
        [InlineData("echo x >> /etc/motd", "'>>'")]
        [InlineData("cat <<EOF", "'<<'")]
        [InlineData("echo $(id -u)", "'$('")]
        [InlineData("echo `id -u`", "'`'")]
        [InlineData("echo $HOME", "'$'")]
        [InlineData("echo ${HOME}", "'${'")]
        [InlineData("echo \"$(id)\"", "'$('")]
        [InlineData("echo \"`id`\"", "'`'")]
        [InlineData("echo \"a\\\"b\"", "'\\'")]
        [InlineData("echo \"hi!\"", "'!'")]
        [InlineData("! false", "'!'")]
        [InlineData("id -u\nid -u", "a newline")]
        [InlineData("echo 'two\nlines'", "a newline")]
        [InlineData("echo a\r", "the character U+000D")]
        [InlineData("ls /root/*", "'*'")]
        [InlineData("ls /root/?", "'?'")]
        [InlineData("ls /root/[ab]", "'['")]
        [InlineData("ls ~/x", "'~'")]
        [InlineData("echo {a,b}", "'{'")]
        [InlineData("{ id; }", "'{'")]
        [InlineData("(id)", "'('")]
        [InlineData("id # a comment", "'#'")]
        [InlineData("A=b env", "a variable assignment (NAME=value)")]
        [InlineData("PATH=/tmp id", "a variable assignment (NAME=value)")]
        [InlineData("echo a\\ b", "'\\'")]
        [InlineData("echo 'unterminated", "an unterminated quote")]
        [InlineData("if true", "the shell word 'if'")]
        [InlineData("for x", "the shell word 'for'")]
        [InlineData("eval id", "the shell word 'eval'")]
        [InlineData("exec id", "the shell word 'exec'")]
        [InlineData(". /etc/profile", "the shell word '.'")]
        [InlineData("cd /root", "the shell word 'cd'")]
        [InlineData("", "an empty command line")]
        [InlineData("   ", "an empty command line")]
        [InlineData("echo \u00a0x", "the character U+00A0")]
        public void RunsALineWithShellSyntaxWholeThroughShAndSaysWhy(string command, string found)
        {
            Assert.Equal(found, ShellSyntax.Find(command));
            Assert.True(SudoCommandLine.RunsThroughShell(command));
            var elevated = "/bin/sh -c " + ShellQuote.Quote(command);
            Assert.Equal(FirstAttempt + elevated, Sent(SudoCommandLine.WithoutPassword(command, hasInput: false, "[m]", Marker), closesStdin: true));
            Assert.Equal(FirstAttempt + elevated, Sent(SudoCommandLine.WithoutPassword(command, hasInput: true, "[m]", Marker), closesStdin: false));
            Assert.Equal("sudo -k -S -p '[p]' -- " + elevated, Sent(SudoCommandLine.WithPassword(command, "[p]", Marker), closesStdin: false));
        }

        [Fact]
        public void GivesAStdinAtEndOfFileOnlyWithoutInput()
        {
            Assert.Equal("id; id", Sent(SudoCommandLine.Plain("id; id", hasInput: false, Marker), closesStdin: true));
            Assert.Equal("sort", Sent(SudoCommandLine.Plain("sort", hasInput: true, Marker), closesStdin: false));
            Assert.Equal(FirstAttempt + "sort", Sent(SudoCommandLine.WithoutPassword("sort", hasInput: true, "[m]", Marker), closesStdin: false));
        }

        /// <summary>The line a built line runs ($1 of the wrapper), checking whether the wrapper closes stdin.</summary>
        private static string Sent(string built, bool closesStdin)
        {
            var (_, line, closes, _) = RunnerLine.Parts(built);
            Assert.Equal(closesStdin, closes);
            return line;
        }

        /// <summary>
        /// The first attempt's askpass, run as sudo runs it (the prompt its one argument): it must give
        /// sudo no password at all and show the marker on stderr, whatever is in the folder it runs in.
        /// </summary>
        [Fact]
        [UnsupportedOSPlatform("windows")]
        public async Task TheFirstAttemptsAskpassAnswersNothingAndShowsTheMarker()
        {
            var marker = "[sentinel-sudo:" + Guid.NewGuid().ToString("N") + "]";
            var start = new ProcessStartInfo(SudoCommandLine.NoPasswordAskpass) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(marker);
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            Assert.Equal(string.Empty, await process.StandardOutput.ReadToEndAsync());
            Assert.Contains(marker, await error);
            Assert.True(process.WaitForExit(10_000));
            Assert.NotEqual(0, process.ExitCode);
        }

        [Fact]
        public void KeepsEveryCommandSentinelRunsUnderSudoSimpleSoNopasswdRulesForItMatch()
        {
            var lines = Enum.GetValues(typeof(ServiceManager)).Cast<ServiceManager>()
                .SelectMany(manager => Enum.GetValues(typeof(ServiceAction)).Cast<ServiceAction>().Select(action => ServiceCommands.Action(manager, "nginx.service", action)))
                .Concat(new[] { "nginx", "sshd", "apache2", "haproxy" }.Select(name => ConfigTests.For(name)!))
                .ToList();
            Assert.All(lines, line => Assert.Null(ShellSyntax.Find(line)));
            Assert.Contains("/usr/sbin/service 'nginx' restart", lines);
            Assert.Contains("/usr/sbin/nginx -t", lines);
        }

        /// <summary>
        /// Runs built lines in a real /bin/sh with a stand-in sudo (it marks what it runs as elevated)
        /// and a probe that reports whether it was: every part of a compound line must say elevated,
        /// exactly once; the old way (sudo put before the line) elevates only the first command.
        /// </summary>
        [Theory]
        [UnsupportedOSPlatform("windows")]
        [InlineData("probe; probe && probe | cat", 3)]
        [InlineData("probe\nprobe || true", 2)]
        [InlineData("echo \"$(probe)\" `probe`", 2)]
        [InlineData("printf '%s\\n' 'a b' >/dev/null\nprobe", 1)]
        public void NoPartOfACompoundLineRunsUnprivilegedOrTwice(string command, int probes)
        {
            using var bin = new StubBin(sudoAllows: true);
            var output = bin.Run(SudoCommandLine.WithoutPassword(command, hasInput: false, "[m]", Marker));
            Assert.Equal(Enumerable.Repeat("elevated", probes), output.Split(new[] { '\n', ' ' }, StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(probes, bin.ProbeRuns);

            using var old = new StubBin(sudoAllows: true);
            Assert.Contains("unprivileged", old.Run("exec </dev/null; sudo -n -- " + command));
        }

        [Fact]
        [UnsupportedOSPlatform("windows")]
        public void ARefusedCompoundLineRunsNothing()
        {
            using var bin = new StubBin(sudoAllows: false);
            bin.Run(SudoCommandLine.WithoutPassword("probe; probe && probe", hasInput: false, "[m]", Marker));
            Assert.Equal(0, bin.ProbeRuns);

            using var old = new StubBin(sudoAllows: false);
            old.Run("exec </dev/null; sudo -n -- probe; probe && probe");
            Assert.Equal(2, old.ProbeRuns);
        }

        /// <summary>A folder put first on PATH with a stand-in sudo and a probe that logs each run.</summary>
        [UnsupportedOSPlatform("windows")]
        private sealed class StubBin : IDisposable
        {
            private readonly string _dir = Path.Combine(Path.GetTempPath(), "sentinel-sudo-" + Guid.NewGuid().ToString("N"));

            public StubBin(bool sudoAllows)
            {
                Directory.CreateDirectory(_dir);
                // Like sudo: options up to "--", then the command, run with a mark in its environment;
                // or, refusing, like sudo -A wanting a password: the askpass asked, nothing run.
                Write("sudo", sudoAllows
                    ? "#!/bin/sh\nwhile [ \"$1\" != -- ]; do shift; done; shift\nSTUB_ELEVATED=1 exec \"$@\"\n"
                    : "#!/bin/sh\nwhile [ \"$1\" != -p ]; do shift; done\n\"$SUDO_ASKPASS\" \"$2\"\necho 'sudo: a password is required' >&2; exit 1\n");
                Write("probe", $"#!/bin/sh\necho run >> '{_dir}/probe.log'\nif [ -n \"$STUB_ELEVATED\" ]; then echo elevated; else echo unprivileged; fi\n");
            }

            public int ProbeRuns => File.Exists(Path.Combine(_dir, "probe.log")) ? File.ReadAllLines(Path.Combine(_dir, "probe.log")).Length : 0;

            public string Run(string line)
            {
                var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add(line);
                start.Environment["PATH"] = _dir + ":/usr/bin:/bin";
                start.Environment.Remove("STUB_ELEVATED");
                using var process = Process.Start(start)!;
                var output = process.StandardOutput.ReadToEnd();
                Assert.True(process.WaitForExit(10_000));
                return output;
            }

            public void Dispose() => Directory.Delete(_dir, recursive: true);

            private void Write(string name, string script)
            {
                var path = Path.Combine(_dir, name);
                File.WriteAllText(path, script);
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }
}
