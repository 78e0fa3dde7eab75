using System.Collections.Generic;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Connections
{
    public sealed class AlgorithmChoiceTests
    {
        private static readonly AlgorithmSet Ciphers = new AlgorithmSet(
            "cipher",
            new[] { "aes128-ctr", "aes256-ctr", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-cbc" },
            new[] { "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes256-ctr", "chacha20-poly1305@openssh.com" });

        private readonly List<string> _warnings = new List<string>();

        private IReadOnlyList<string> FromConfig(string value) => AlgorithmChoice.FromConfig(value, Ciphers, "Ciphers", "web01", _warnings.Add);

        [Fact]
        public void AParameterKeepsTheGivenOrderAcceptsCommaListsAndDropsRepeats()
        {
            var chosen = AlgorithmChoice.FromParameter(new[] { "chacha20-poly1305@openssh.com,AES128-CTR", "chacha20-poly1305@openssh.com" }, Ciphers, "Cipher");
            Assert.Equal(new[] { "chacha20-poly1305@openssh.com", "aes128-ctr" }, chosen);
        }

        [Fact]
        public void AParameterMayNameAnAlgorithmThatIsNotOfferedByDefault()
        {
            Assert.Equal(new[] { "aes128-cbc" }, AlgorithmChoice.FromParameter(new[] { "aes128-cbc" }, Ciphers, "Cipher"));
        }

        [Fact]
        public void AnUnknownParameterNameIsAnInvalidArgumentListingWhatIsSupported()
        {
            var error = Assert.Throws<SentinelException>(() => AlgorithmChoice.FromParameter(new[] { "aes128-ctr", "rot13" }, Ciphers, "Cipher"));
            Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
            Assert.Contains("-Cipher 'rot13'", error.Message);
            Assert.Contains("chacha20-poly1305@openssh.com", error.Message);
        }

        [Fact]
        public void AConfigListReplacesTheDefaultAndSkipsNamesOnlyOpenSshKnowsWithAWarning()
        {
            Assert.Equal(new[] { "aes256-ctr", "aes128-ctr" }, FromConfig("aes256-ctr,aes192-cbc-made-up,aes128-ctr"));
            var warning = Assert.Single(_warnings);
            Assert.Contains("aes192-cbc-made-up", warning);
            Assert.Contains("web01", warning);
        }

        [Fact]
        public void PlusAppendsCaretPutsFirstMinusRemovesWithWildcards()
        {
            Assert.Equal(new[] { "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes256-ctr", "chacha20-poly1305@openssh.com", "aes128-cbc" }, FromConfig("+aes128-cbc"));
            Assert.Equal(new[] { "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes256-ctr" }, FromConfig("^chacha20-poly1305@openssh.com"));
            Assert.Equal(new[] { "aes128-ctr", "aes256-ctr", "chacha20-poly1305@openssh.com" }, FromConfig("-*-gcm@openssh.com"));
            Assert.Empty(_warnings);
        }

        [Fact]
        public void AConfigValueThatLeavesNothingIsAnErrorForThatHost()
        {
            var error = Assert.Throws<SentinelException>(() => FromConfig("rot13,rot26"));
            Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
            Assert.Equal("web01", error.ComputerName);
            Assert.Throws<SentinelException>(() => FromConfig("-*"));
        }
    }
}
