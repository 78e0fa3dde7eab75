using System;
using System.IO;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Connections
{
    /// <summary>
    /// An authentication failure says what the server accepts (its USERAUTH_FAILURE list, as ssh's
    /// "Permission denied (publickey)") and what a partial success still needs, and hints at that only.
    /// </summary>
    public sealed class AuthenticationFailureTests
    {
        private static readonly string[] PasswordOnly = { "password", "keyboard-interactive" };
        private static readonly string[] KeyOnly = { "publickey" };
        private static readonly string[] Both = { "publickey", "password", "keyboard-interactive" };

        private static SentinelException Failed(string offered, string[] offeredMethods, string[]? allowed, params string[] partial) =>
            ConnectionErrors.AuthenticationFailed("web01", "alice", offered, allowed == null ? null : new AuthenticationRefusal(offeredMethods, allowed, partial));

        [Fact]
        public void APasswordToAPublicKeyOnlyServerSaysSoAndHintsAtAKeyNotThePassword()
        {
            var error = Failed("password, keyboard-interactive", PasswordOnly, KeyOnly);
            Assert.Equal(ErrorIds.AuthenticationFailed, error.ErrorId);
            Assert.Contains("Permission denied (publickey)", error.Message);
            Assert.Contains("accepts only publickey", error.RecommendedAction);
            Assert.Contains("-KeyFile", error.RecommendedAction);
            Assert.Contains("ssh-agent", error.RecommendedAction);
            Assert.DoesNotContain("Check the user name", error.RecommendedAction);
        }

        [Fact]
        public void AKeyToAPasswordOnlyServerHintsAtTheCredential()
        {
            var error = Failed("publickey ssh-ed25519 /k", KeyOnly, new[] { "password" });
            Assert.Contains("Permission denied (password)", error.Message);
            Assert.Contains("does not accept keys", error.RecommendedAction);
            Assert.Contains("-Credential", error.RecommendedAction);
            Assert.DoesNotContain("authorized_keys", error.RecommendedAction);
        }

        [Fact]
        public void AWrongPasswordWhereKeysAreAcceptedTooSaysCheckThePasswordFirst()
        {
            var error = Failed("password, keyboard-interactive", PasswordOnly, new[] { "publickey", "password" });
            Assert.Contains("Permission denied (publickey,password)", error.Message);
            Assert.StartsWith("Check the user name ('alice') and the password.", error.RecommendedAction);
            Assert.Contains("also accepts keys", error.RecommendedAction);
        }

        [Fact]
        public void ARefusedKeyWhereKeysAreAcceptedHintsAtAuthorizedKeys()
        {
            var error = Failed("publickey ssh-ed25519 /k, password, keyboard-interactive", Both, new[] { "publickey" });
            Assert.Contains("authorized_keys", error.RecommendedAction);
            Assert.DoesNotContain("password", error.RecommendedAction);
        }

        [Fact]
        public void OnlyMethodsSentinelDoesNotOfferAreNamed()
        {
            var error = Failed("password, keyboard-interactive", PasswordOnly, new[] { "gssapi-with-mic", "hostbased" });
            Assert.Contains("Permission denied (gssapi-with-mic,hostbased)", error.Message);
            Assert.Contains("which Sentinel does not offer", error.RecommendedAction);
        }

        [Fact]
        public void AKeyAcceptedWhereThePasswordIsRequiredTooIsExplained()
        {
            var error = Failed("publickey ssh-ed25519 /k", KeyOnly, new[] { "password" }, "publickey");
            Assert.Equal(ErrorIds.AuthenticationFailed, error.ErrorId);
            Assert.Contains("accepted the key of 'alice' but requires also password", error.Message);
            Assert.Contains("-Credential", error.RecommendedAction);
            Assert.Contains("AuthenticationMethods", error.RecommendedAction);
        }

        [Fact]
        public void AKeyAcceptedAndThePasswordRefusedSaysThePasswordIsWrong()
        {
            var error = Failed("publickey ssh-ed25519 /k, password, keyboard-interactive", Both, new[] { "password" }, "publickey");
            Assert.Contains("accepted the key of 'alice' but requires also password", error.Message);
            Assert.Contains("the password was refused", error.Message);
            Assert.Contains("Check the password", error.RecommendedAction);
        }

        [Fact]
        public void APasswordAcceptedWhereAKeyIsRequiredTooIsExplained()
        {
            var error = Failed("password, keyboard-interactive", PasswordOnly, new[] { "publickey" }, "password");
            Assert.Contains("accepted the password of 'alice' but requires also publickey", error.Message);
            Assert.Contains("-KeyFile", error.RecommendedAction);
        }

        [Fact]
        public void WithoutTheServersListTheGeneralHintStays()
        {
            var error = Failed("password", PasswordOnly, null);
            Assert.Contains("Check the user name and password", error.RecommendedAction);
            Assert.DoesNotContain("Permission denied", error.Message);
        }

        [Fact]
        public void TheConnectionTestHintForAPromptIsThePromptsOwnNotThePasswordOne()
        {
            var attempt = new ConnectAttempt(new ConnectionSettings("web01", "web01", 22, "alice"))
            {
                Error = ConnectionErrors.PromptUnsupported("web01", "alice", "Verification code: ", false, System.Array.Empty<string>()),
            };
            Assert.Equal(attempt.Error.RecommendedAction, attempt.AuthenticationHint());
            Assert.DoesNotContain("password", attempt.AuthenticationHint());
        }

        [Fact]
        public void TheConnectionTestHintForAFailureIsTheErrorsAndWarnsOfAKeyOthersCanRead()
        {
            if (Platform.UnixPermissions.TryGet(Path.GetTempPath()) == null)
            {
                return;
            }

            var key = Path.Combine(Path.GetTempPath(), "key-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(key, "not a key");
            try
            {
                Platform.UnixPermissions.TrySet(key, Convert.ToInt32("644", 8));
                var attempt = new ConnectAttempt(new ConnectionSettings("web01", "web01", 22, "alice") { KeyFiles = new[] { key } })
                {
                    Error = Failed("password, keyboard-interactive", PasswordOnly, KeyOnly),
                };
                Assert.StartsWith(attempt.Error.RecommendedAction!, attempt.AuthenticationHint());
                Assert.Contains($"'{key}' is readable by other users (mode 644)", attempt.AuthenticationHint());
            }
            finally
            {
                File.Delete(key);
            }
        }
    }
}
