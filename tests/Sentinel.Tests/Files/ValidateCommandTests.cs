using Sentinel.Files;
using Xunit;

namespace Sentinel.Tests.Files
{
    /// <summary>Issue 20 item 10: {} inside the user's own quotes stays one quoted word.</summary>
    public sealed class ValidateCommandTests
    {
        [Theory]
        [InlineData("visudo -cf {}", "/tmp/a b/0", "visudo -cf '/tmp/a b/0'")]
        [InlineData("sh -c 'test -s {}'", "/tmp/a b/0", "sh -c 'test -s /tmp/a b/0'")]
        [InlineData("sh -c 'test -s {}'", "/tmp/it's/0", "sh -c 'test -s /tmp/it'\\''s/0'")]
        [InlineData("sh -c \"test -s {}\"", "/tmp/$HOME `x` \"q\"/0", "sh -c \"test -s /tmp/\\$HOME \\`x\\` \\\"q\\\"/0\"")]
        [InlineData("check {} 'and {}'", "/p q", "check '/p q' 'and /p q'")]
        [InlineData("echo \\' {}", "/p q", "echo \\' '/p q'")]
        public void QuotesThePathForWhereTheBracesStand(string template, string path, string expected) =>
            Assert.Equal(expected, ValidateCommand.Substitute(template, path));
    }
}
