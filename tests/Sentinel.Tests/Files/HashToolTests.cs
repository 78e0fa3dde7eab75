using Sentinel.Execution;
using Sentinel.Files;
using Sentinel.Results;
using Xunit;

namespace Sentinel.Tests.Files
{
    public sealed class HashToolTests
    {
        private const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        private const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

        [Fact]
        public void IsOneSimpleCommandForOrdinaryPathsSoASudoersRuleCanNameIt()
        {
            var command = HashTool.Sha256Sum.Command(new[] { "/etc/nginx/nginx.conf", "/etc/sudoers.d/app" });
            Assert.Equal("sha256sum -- '/etc/nginx/nginx.conf' '/etc/sudoers.d/app'", command);
            Assert.Null(ShellSyntax.Find(command));
        }

        [Fact]
        public void QuotesEveryPathSoNoneIsInterpreted()
        {
            Assert.Equal("sha256sum -- '$(id)' '-n' 'it'\\''s'", HashTool.Sha256Sum.Command(new[] { "$(id)", "-n", "it's" }));
        }

        [Fact]
        public void ReadsPlainLinesInOrder()
        {
            Assert.Equal(new[] { A, B }, HashTool.Sha256Sum.Parse($"{A}  /a\n{B}  /b c\n", new[] { "/a", "/b c" }));
        }

        [Fact]
        public void ReadsGnuEscapedNamesWithNewlinesAndBackslashes()
        {
            var output = $"\\{A}  /x\\nname\\\\y\n{B}  /plain\n";
            Assert.Equal(new[] { A, B }, HashTool.Sha256Sum.Parse(output, new[] { "/x\nname\\y", "/plain" }));
        }

        [Fact]
        public void ReadsCoreutils9EscapedCarriageReturns()
        {
            Assert.Equal(new[] { A }, HashTool.Sha256Sum.Parse($"\\{A}  /x\\ry\n", new[] { "/x\ry" }));
        }

        [Fact]
        public void ReadsBusyBoxRawNames()
        {
            Assert.Equal(new[] { A, B }, HashTool.Sha256Sum.Parse($"{A}  /x\nname\n{B}  /b\n", new[] { "/x\nname", "/b" }));
        }

        [Fact]
        public void GivesNullForAFileSha256sumCouldNotReadAndGoesOn()
        {
            Assert.Equal(new[] { null, B }, HashTool.Sha256Sum.Parse($"{B}  /b\n", new[] { "/unreadable", "/b" }));
        }

        [Fact]
        public void NeverLetsANameCarryAnotherFilesHash()
        {
            // A hostile name holding a line for /etc/target: BusyBox prints it raw, but the reader takes
            // only the whole expected line, and /etc/target (unreadable here) has no line of its own.
            var hostile = $"/tmp/x\n{B}  /etc/target";
            var output = $"{A}  {hostile}\n";
            Assert.Equal(new[] { A, null }, HashTool.Sha256Sum.Parse(output, new[] { hostile, "/etc/target" }));
            Assert.Equal(new string?[] { null, null }, HashTool.Sha256Sum.Parse($"{B}  /etc/target\n", new[] { "/tmp/x", "/etc/targetX" }));
        }

        [Fact]
        public void RefusesUpperCaseOrShortHashes()
        {
            Assert.Equal(new string?[] { null }, HashTool.Sha256Sum.Parse($"{A.ToUpperInvariant()}  /a\n", new[] { "/a" }));
            Assert.Equal(new string?[] { null }, HashTool.Sha256Sum.Parse($"{A.Substring(1)}  /a\n", new[] { "/a" }));
        }

        [Fact]
        public void EachToolIsOneSimpleCommandWithItsOwnOptions()
        {
            var paths = new[] { "/a b", "-n" };
            Assert.Equal("shasum -a 256 -- '/a b' '-n'", HashTool.Shasum.Command(paths));
            Assert.Equal("sha256 -q -- '/a b' '-n'", HashTool.BsdSha256.Command(paths));
            Assert.Equal("openssl dgst -sha256 -r -- '/a b' '-n'", HashTool.OpenSsl.Command(paths));
            Assert.All(HashTool.InPreference, tool => Assert.Null(ShellSyntax.Find(tool.Command(paths))));
        }

        [Fact]
        public void ReadsShasumLikeSha256sumWithItsEscapes()
        {
            // shasum 6 as it prints a name with a backslash and one with a newline.
            var output = $"\\{A}  /b\\\\s\n\\{B}  /n\\nl\n";
            Assert.Equal(new[] { A, B }, HashTool.Shasum.Parse(output, new[] { "/b\\s", "/n\nl" }));
        }

        [Fact]
        public void ReadsOpenSslReverseFormatWhichEscapesNewlinesButNotBackslashes()
        {
            // OpenSSL 3.0 as it prints a name with a backslash (raw), one with a newline (escaped), and a plain one.
            var output = $"{A} */b\\s\n\\{B} */n\\nl\\x\n{A} */plain\n";
            Assert.Equal(new[] { A, B, A }, HashTool.OpenSsl.Parse(output, new[] { "/b\\s", "/n\nl\\x", "/plain" }));
            Assert.Equal(new string?[] { null }, HashTool.OpenSsl.Parse($"{A}  /plain\n", new[] { "/plain" }));
        }

        [Fact]
        public void ReadsBsdBareHashesOnlyWhenEveryFileGaveOne()
        {
            Assert.Equal(new[] { A, B }, HashTool.BsdSha256.Parse($"{A}\n{B}\n", new[] { "/a", "/b" }));
            Assert.True(HashTool.BsdSha256.NamesNoFiles);

            // One file unreadable: which line is whose is unknown, so none is taken.
            Assert.Equal(new string?[] { null, null }, HashTool.BsdSha256.Parse($"{B}\n", new[] { "/unreadable", "/b" }));
            Assert.Equal(new string?[] { null }, HashTool.BsdSha256.Parse($"{A}  /a\n", new[] { "/a" }));
        }

        [Fact]
        public void TheProbePrintsItsMarkerThenAsksForEachTool()
        {
            Assert.Equal("echo m; command -v sha256sum; command -v shasum; command -v sha256; command -v openssl", HostHashing.ProbeCommand("m"));
        }

        [Fact]
        public void TheProbeChoosesTheFirstToolInPreferenceWhateverTheOrderPrinted()
        {
            var hashing = HostHashing.Read("m\n/usr/bin/openssl\n/usr/bin/shasum\n", string.Empty, "m");
            Assert.True(hashing.RunsCommands);
            Assert.Same(HashTool.Shasum, hashing.Tool);
            Assert.Equal(FileCopyVerification.RemoteHash, hashing.Verification);
            Assert.Same(HashTool.OpenSsl, HostHashing.Read("m\n/opt/homebrew/bin/openssl\n", string.Empty, "m").Tool);
            Assert.Same(HashTool.BsdSha256, HostHashing.Read("m\r\n/sbin/sha256\r\n", string.Empty, "m").Tool);
        }

        [Fact]
        public void TheProbeWithoutAToolMeansReadBack()
        {
            var hashing = HostHashing.Read("m\n", string.Empty, "m");
            Assert.True(hashing.RunsCommands);
            Assert.Null(hashing.Tool);
            Assert.Equal(FileCopyVerification.ReadBack, hashing.Verification);

            // A name that merely ends like a tool is not that tool.
            Assert.Null(HostHashing.Read("m\n/usr/bin/notsha256sum\n", string.Empty, "m").Tool);
        }

        [Fact]
        public void AnAnswerWithoutTheMarkerIsAnAccountThatRunsNoCommands()
        {
            // OpenSSH under ForceCommand internal-sftp.
            var hashing = HostHashing.Read("This service allows sftp connections only.\n", string.Empty, "m");
            Assert.False(hashing.RunsCommands);
            Assert.Null(hashing.Tool);
            Assert.Equal("This service allows sftp connections only.", hashing.Refusal);

            // A restricted shell that repeats the command line back has not run it.
            var marker = "sentinel-probe-0123";
            var refused = HostHashing.Read($"rbash: {HostHashing.ProbeCommand(marker)}: restricted\n", string.Empty, marker);
            Assert.False(refused.RunsCommands);
        }

        [Fact]
        public void WhatAStartUpFilePrintsBeforeTheMarkerIsIgnoredAndNoToolIsTakenFromIt()
        {
            var hashing = HostHashing.Read("Welcome! /usr/bin/sha256sum\n/usr/bin/sha256sum\nm\n/usr/bin/openssl\n", string.Empty, "m");
            Assert.True(hashing.RunsCommands);
            Assert.Same(HashTool.OpenSsl, hashing.Tool);
        }
    }
}
