using Sentinel.Errors;
using Xunit;

namespace Sentinel.Tests.Errors
{
    public class MessageTests
    {
        [Theory]
        [InlineData("it is a directory", "it is a directory.")]
        [InlineData("is 'Subsystem sftp' configured in sshd_config?", "is 'Subsystem sftp' configured in sshd_config?")]
        [InlineData("the server said: No such file.", "the server said: No such file.")]
        [InlineData("stopped! ", "stopped!")]
        public void ASentenceEndsOnce(string text, string expected) => Assert.Equal(expected, Sentences.End(text));

        [Fact]
        public void ACopyFailureWhoseReasonAsksAQuestionHasNoFullStopAfterIt()
        {
            var error = FileErrors.CopyFailed("web01", "/srv/a", "could not open SFTP: is 'Subsystem sftp' configured in sshd_config?");

            Assert.EndsWith("sshd_config?", error.Message, System.StringComparison.Ordinal);
        }
    }
}
