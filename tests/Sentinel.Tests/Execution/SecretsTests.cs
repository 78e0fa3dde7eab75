using System.Security;
using System.Text;
using Sentinel.Platform;
using Xunit;

namespace Sentinel.Tests.Execution
{
    public sealed class SecretsTests
    {
        [Theory]
        [InlineData("")]
        [InlineData("plain-ascii-9")]
        [InlineData("pä55wörd ✓")]
        [InlineData("emoji 🔑 and 日本語")]
        public void EncodesTheSecretAsUtf8FromItsUnmanagedCopy(string text)
        {
            var secret = new SecureString();
            foreach (var c in text)
            {
                secret.AppendChar(c);
            }

            Assert.Equal(Encoding.UTF8.GetBytes(text), Secrets.ToUtf8(secret));
            Assert.Equal(text, Secrets.ToUnsecureString(secret));
        }
    }
}
