using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Sentinel.Execution;
using Xunit;

namespace Sentinel.Tests.Execution
{
    public sealed class PromptFilterStreamTests
    {
        private const string Prompt = "[sentinel-sudo:0123456789abcdef]";

        /// <summary>A stream that hands out its data in fixed pieces, as a network read would.</summary>
        private sealed class ChunkedStream : MemoryStream
        {
            private readonly int _chunk;

            public ChunkedStream(byte[] data, int chunk)
                : base(data)
            {
                _chunk = chunk;
            }

            public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, System.Math.Min(count, _chunk));
        }

        private static (string Text, int Prompts) Filter(string input, int chunk)
        {
            var prompts = 0;
            var filter = new PromptFilterStream(new ChunkedStream(Encoding.UTF8.GetBytes(input), chunk), Encoding.UTF8.GetBytes(Prompt), () => prompts++);
            var output = new MemoryStream();
            filter.CopyTo(output, 7);
            return (Encoding.UTF8.GetString(output.ToArray()), prompts);
        }

        public static IEnumerable<object[]> Chunks() => new[] { 1, 2, 5, 31, 32, 33, 4096 }.Select(c => new object[] { c });

        [Theory]
        [MemberData(nameof(Chunks))]
        public void CutsEveryPromptOutWhereverTheReadsSplitIt(int chunk)
        {
            var (text, prompts) = Filter($"{Prompt}Sorry, try again.\n{Prompt}", chunk);
            Assert.Equal("Sorry, try again.\n", text);
            Assert.Equal(2, prompts);
        }

        [Theory]
        [MemberData(nameof(Chunks))]
        public void PassesLookalikesAndPartialPromptsThrough(int chunk)
        {
            var input = "[sentinel-sudo:not-this-one] [sentinel-sudo:0123 and [sentinel";
            var (text, prompts) = Filter(input, chunk);
            Assert.Equal(input, text);
            Assert.Equal(0, prompts);
        }
    }

    public sealed class SudoRefusalReaderTests
    {
        [Theory]
        [InlineData(1, 0, "sudo: a password is required\n", 0, "PasswordRequired")]
        [InlineData(1, 0, "sudo: sorry, you must have a tty to run sudo\n", 0, "RequiresTty")]
        [InlineData(1, 0, "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n", 0, "PasswordRequired")]
        [InlineData(1, 0, "Sorry, user sentinel is not allowed to execute '/usr/bin/passwd -S root' as root on vm.\n", 1, "NotAllowed")]
        [InlineData(1, 0, "sentinel is not in the sudoers file.  This incident will be reported.\n", 1, "NotAllowed")]
        [InlineData(1, 0, "sudo: 1 incorrect password attempt\n", 1, "PasswordWrong")]
        [InlineData(null, 0, "Sorry, try again.\n", 2, "PasswordWrong")]
        [InlineData(127, 0, "bash: line 1: sudo: command not found\n", 0, "NotInstalled")]
        [InlineData(0, 5, "", 0, "None")]
        [InlineData(1, 0, "grep: missing pattern\n", 0, "None")]
        [InlineData(1, 10, "sudo: a password is required\n", 0, "None")]
        [InlineData(1, 0, "sudo: a password is required\nmy script's own complaint\n", 0, "None")]
        public void JudgesOnlySudosOwnDiagnostics(int? exitCode, long outputBytes, string error, int prompts, string expected)
            => Assert.Equal(expected, SudoRefusalReader.Of(exitCode, outputBytes, error, prompts).ToString());

        [Theory]
        [InlineData(1, 0, "/bin/ls: cannot access '': No such file or directory\nsudo: no password was provided\nsudo: a password is required\n", 1, "PasswordRequired")]
        [InlineData(1, 0, "anything at all\n", 1, "PasswordRequired")]
        [InlineData(1, 0, "sudo: a password is required\n", 0, "None")]
        [InlineData(1, 0, "sudo: no password was provided\nsudo: a password is required\n", 0, "None")]
        [InlineData(1, 0, "sudo: 1 incorrect password attempt\n", 0, "None")]
        [InlineData(0, 3, "", 1, "None")]
        [InlineData(1, 0, "sudo: sorry, you must have a tty to run sudo\n", 0, "RequiresTty")]
        [InlineData(1, 0, "Sorry, user sentinel is not allowed to execute '/usr/bin/passwd -S root' as root on vm.\n", 0, "NotAllowed")]
        [InlineData(127, 0, "/usr/bin/env: \u2018sudo\u2019: No such file or directory\n", 0, "NotInstalled")]
        [InlineData(127, 0, "sh: 1: sudo: not found\n", 0, "NotInstalled")]
        public void OnTheFirstAttemptOnlyTheMarkerMeansSudoWantedAPassword(int? exitCode, long outputBytes, string error, int markers, string expected)
            => Assert.Equal(expected, SudoRefusalReader.OfFirstAttempt(exitCode, outputBytes, error, markers).ToString());
    }
}
