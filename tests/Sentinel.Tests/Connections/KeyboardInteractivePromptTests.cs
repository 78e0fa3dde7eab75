using Sentinel.Connections;
using Xunit;

namespace Sentinel.Tests.Connections
{
    public sealed class KeyboardInteractivePromptTests
    {
        [Theory]
        [InlineData("Password: ")]
        [InlineData("sentinel@web01's password: ")]
        [InlineData("Passwort: ")]
        [InlineData("Enter passphrase for key: ")]
        public void AnEchoOffPasswordPromptIsAnswered(string prompt) => Assert.True(KeyboardInteractivePrompt.IsPasswordPrompt(prompt, echoed: false));

        [Theory]
        [InlineData("Password: ", true)]
        [InlineData("Verification code: ", false)]
        [InlineData("One-time password (OATH) for `sentinel': ", false)]
        [InlineData("Enter your OTP password: ", false)]
        [InlineData("PIN: ", false)]
        [InlineData("Duo two-factor login. Passcode or option (1-1): ", false)]
        [InlineData("", false)]
        [InlineData("Token: ", false)]
        public void AnythingElseIsNot(string prompt, bool echoed) => Assert.False(KeyboardInteractivePrompt.IsPasswordPrompt(prompt, echoed));

        [Fact]
        public void APromptIsShownWithoutControlCharactersAndBounded()
        {
            Assert.Equal("Code  [31m", KeyboardInteractivePrompt.Printable("Code \u001b[31m\r\n"));
            Assert.Equal(203, KeyboardInteractivePrompt.Printable(new string('x', 5000)).Length);
        }
    }
}
