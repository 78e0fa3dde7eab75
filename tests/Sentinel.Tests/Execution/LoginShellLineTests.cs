using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.Versioning;
using Sentinel.Execution;
using Xunit;

namespace Sentinel.Tests.Execution
{
    /// <summary>
    /// The wrapper every command line goes through, run by real shells here as a login shell would
    /// run it (<c>$SHELL -c &lt;line&gt;</c>): fish itself is tested end to end against the lab.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public sealed class LoginShellLineTests
    {
        private const string Marker = "[sentinel-pid:test]";

        public static TheoryData<string> Values() => new TheoryData<string>
        {
            string.Empty,
            "plain",
            "it's",
            "''",
            "a\\'b",
            "\\",
            "trailing\\",
            "\\\\share\\dir",
            "$HOME `id` $(id) ${x}",
            "one\ntwo\n\nthree\n",
            "say \"hi\" \\\"there\\\"",
            "tab\tand space ; & | < > * ? [a] ~ # !",
            "données ✓",
        };

        [Theory]
        [MemberData(nameof(Values))]
        public void AQuotedWordReadsBackAsItsExactBytesInShAndBash(string value)
        {
            foreach (var shell in new[] { "/bin/sh", "/bin/bash" })
            {
                Assert.Equal(value, Run(shell, "printf %s " + ShellQuote.QuoteForAnyShell(value)).Output);
            }
        }

        [Theory]
        [InlineData("a'b", "'a'\\''b'")]
        [InlineData("a\\b", "'a'\\\\'b'")]
        [InlineData("'\\", "\\'\\\\")]
        [InlineData("", "''")]
        public void PutsEveryQuoteAndBackslashOutsideTheSingleQuotes(string value, string quoted)
        {
            Assert.Equal(quoted, ShellQuote.QuoteForAnyShell(value));
        }

        [Theory]
        [MemberData(nameof(Values))]
        public void TheLineRunsExactlyAsWrittenWhateverItHolds(string value)
        {
            var line = "printf %s " + ShellQuote.Quote(value);
            Assert.Equal(value, Run("/bin/sh", SudoCommandLine.Plain(line, hasInput: false, Marker)).Output);
        }

        [Theory]
        [InlineData("/bin/bash", "bash")]
        [InlineData("/usr/bin/fish", "sh")]
        [InlineData("/bin/tcsh", "sh")]
        [InlineData("", "sh")]
        public void RunsTheLineInAPosixLoginShellAndOtherwiseInBinSh(string loginShell, string expected)
        {
            var line = "if [ -n \"$BASH_VERSION\" ]; then echo bash; else echo sh; fi";
            Assert.Equal(expected + "\n", Run("/bin/sh", SudoCommandLine.Plain(line, hasInput: false, Marker), loginShell).Output);
        }

        [Fact]
        public void TheWrapperReportsThePidTheLineRunsAsAndMakesItLeadItsProcessGroup()
        {
            // Started by this test, /bin/sh is in the test's process group, as under Dropbear: setsid
            // makes it lead its own, keeping its PID.
            var line = "read -r s </proc/$$/stat; s=${s##*) }; s=${s#* }; s=${s#* }; echo \"$$ ${s%% *}\"";
            var (output, error) = Run("/bin/sh", SudoCommandLine.Plain(line, hasInput: false, Marker), "/bin/bash");
            var pid = output.Split(' ')[0];
            Assert.Equal($"{pid} {pid}\n", output);
            Assert.Equal($"{Marker}{pid} g\n", error);
        }

        [Fact]
        public void WithoutInputStdinIsAtEndOfFileAndWithInputItIsTheChannels()
        {
            Assert.Equal(string.Empty, Run("/bin/sh", SudoCommandLine.Plain("cat", hasInput: false, Marker), input: "not read\n").Output);
            Assert.Equal("read\n", Run("/bin/sh", SudoCommandLine.Plain("cat", hasInput: true, Marker), input: "read\n").Output);
        }

        [Fact]
        public void SudosPasswordReachesItsStdinThroughTheWrapper()
        {
            // A stand-in sudo that reads the password line, as sudo -S does, then runs the command.
            var dir = Path.Combine(Path.GetTempPath(), "sentinel-wrapper-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                var sudo = Path.Combine(dir, "sudo");
                File.WriteAllText(sudo, "#!/bin/sh\nread -r password; echo \"password=$password\"\nwhile [ \"$1\" != -- ]; do shift; done; shift\nexec \"$@\"\n");
                File.SetUnixFileMode(sudo, UnixFileMode.UserRead | UnixFileMode.UserExecute);
                var result = Run("/bin/sh", SudoCommandLine.WithPassword("cat", "[p]", Marker), "/bin/bash", "s3cret\ninput\n", dir + ":/usr/bin:/bin");
                Assert.Equal("password=s3cret\ninput\n", result.Output);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        private static (string Output, string Error) Run(string shell, string line, string loginShell = "/bin/sh", string input = "", string? path = null)
        {
            var start = new ProcessStartInfo(shell) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(line);
            start.Environment["SHELL"] = loginShell;
            if (path != null)
            {
                start.Environment["PATH"] = path;
            }

            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            try
            {
                process.StandardInput.Write(input);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The line ended without reading its input, as it should at end-of-file.
            }

            var output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(10_000));
            return (output, error.Result);
        }
    }
}
