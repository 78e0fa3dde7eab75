using Sentinel.Execution;
using Sentinel.Files;
using Xunit;

namespace Sentinel.Tests.Files
{
    public sealed class Sha256SumTests
    {
        private const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        private const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

        [Fact]
        public void IsOneSimpleCommandForOrdinaryPathsSoASudoersRuleCanNameIt()
        {
            var command = Sha256Sum.Command(new[] { "/etc/nginx/nginx.conf", "/etc/sudoers.d/app" });
            Assert.Equal("sha256sum -- '/etc/nginx/nginx.conf' '/etc/sudoers.d/app'", command);
            Assert.Null(ShellSyntax.Find(command));
        }

        [Fact]
        public void QuotesEveryPathSoNoneIsInterpreted()
        {
            Assert.Equal("sha256sum -- '$(id)' '-n' 'it'\\''s'", Sha256Sum.Command(new[] { "$(id)", "-n", "it's" }));
        }

        [Fact]
        public void ReadsPlainLinesInOrder()
        {
            Assert.Equal(new[] { A, B }, Sha256Sum.Parse($"{A}  /a\n{B}  /b c\n", new[] { "/a", "/b c" }));
        }

        [Fact]
        public void ReadsGnuEscapedNamesWithNewlinesAndBackslashes()
        {
            var output = $"\\{A}  /x\\nname\\\\y\n{B}  /plain\n";
            Assert.Equal(new[] { A, B }, Sha256Sum.Parse(output, new[] { "/x\nname\\y", "/plain" }));
        }

        [Fact]
        public void ReadsCoreutils9EscapedCarriageReturns()
        {
            Assert.Equal(new[] { A }, Sha256Sum.Parse($"\\{A}  /x\\ry\n", new[] { "/x\ry" }));
        }

        [Fact]
        public void ReadsBusyBoxRawNames()
        {
            Assert.Equal(new[] { A, B }, Sha256Sum.Parse($"{A}  /x\nname\n{B}  /b\n", new[] { "/x\nname", "/b" }));
        }

        [Fact]
        public void GivesNullForAFileSha256sumCouldNotReadAndGoesOn()
        {
            Assert.Equal(new[] { null, B }, Sha256Sum.Parse($"{B}  /b\n", new[] { "/unreadable", "/b" }));
        }

        [Fact]
        public void NeverLetsANameCarryAnotherFilesHash()
        {
            // A hostile name holding a line for /etc/target: BusyBox prints it raw, but the reader takes
            // only the whole expected line, and /etc/target (unreadable here) has no line of its own.
            var hostile = $"/tmp/x\n{B}  /etc/target";
            var output = $"{A}  {hostile}\n";
            Assert.Equal(new[] { A, null }, Sha256Sum.Parse(output, new[] { hostile, "/etc/target" }));
            Assert.Equal(new string?[] { null, null }, Sha256Sum.Parse($"{B}  /etc/target\n", new[] { "/tmp/x", "/etc/targetX" }));
        }

        [Fact]
        public void RefusesUpperCaseOrShortHashes()
        {
            Assert.Equal(new string?[] { null }, Sha256Sum.Parse($"{A.ToUpperInvariant()}  /a\n", new[] { "/a" }));
            Assert.Equal(new string?[] { null }, Sha256Sum.Parse($"{A.Substring(1)}  /a\n", new[] { "/a" }));
        }
    }
}
