using Sentinel.Connections;
using Xunit;

namespace Sentinel.Tests.Connections
{
    public sealed class HostPatternsTests
    {
        [Theory]
        [InlineData("web01", "web01", true)]
        [InlineData("WEB01", "web01", true)]
        [InlineData("web*", "web01", true)]
        [InlineData("web*", "web", true)]
        [InlineData("*.example.com", "db.example.com", true)]
        [InlineData("*.example.com", "example.com", false)]
        [InlineData("web?", "web1", true)]
        [InlineData("web?", "web12", false)]
        [InlineData("*a*b*c", "xxaxxbxxbcxc", true)]
        [InlineData("*a*b*c", "xxaxxbxxbcx", false)]
        [InlineData("[10.0.0.1]:2222", "[10.0.0.1]:2222", true)]
        [InlineData("10.0.0.*", "10.0.0.17", true)]
        [InlineData("10.0.0.1", "10.0.0.17", false)]
        [InlineData("*", "anything", true)]
        [InlineData("a.b", "aXb", false)]
        public void MatchesWildcardsCaseInsensitively(string pattern, string name, bool expected)
        {
            Assert.Equal(expected, HostPatterns.Matches(new[] { pattern }, name));
        }

        [Fact]
        public void ANegatedMatchWinsOverAnyOther()
        {
            Assert.False(HostPatterns.Matches(new[] { "*.internal", "!bastion.internal" }, "bastion.internal"));
            Assert.True(HostPatterns.Matches(new[] { "*.internal", "!bastion.internal" }, "db.internal"));
        }
    }
}
