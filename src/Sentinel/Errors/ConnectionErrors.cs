using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using Sentinel.Transport;

namespace Sentinel.Errors
{
    /// <summary>
    /// The wording of connection failures, in one place, so every cmdlet and the adapter say the same
    /// thing: which host, what happened, what to check.
    /// </summary>
    internal static class ConnectionErrors
    {
        private const string TimeoutHint = "Check that the host is up and that the port is an SSH server (a firewall that drops packets, or a service that never speaks SSH, looks like this). Raise -ConnectTimeout for a slow link.";

        public static SentinelException Timeout(string computerName, int port, TimeSpan timeout, Exception? inner = null) => new SentinelException(
            ErrorIds.ConnectionTimeout,
            ErrorCategory.OperationTimeout,
            computerName,
            $"Connecting to {computerName} port {port} timed out after {Seconds(timeout)} s: the host did not complete the SSH handshake.",
            TimeoutHint,
            inner);

        /// <summary>A handshake out of time, with its own timings (<paramref name="story"/>): when the server answered, what it had done, what did not count.</summary>
        public static SentinelException HandshakeTimeout(string computerName, int port, TimeSpan timeout, string story) => new SentinelException(
            ErrorIds.ConnectionTimeout,
            ErrorCategory.OperationTimeout,
            computerName,
            $"Connecting to {computerName} port {port} timed out after {Seconds(timeout)} s of the host's time: {story}.",
            TimeoutHint,
            null);

        public static SentinelException Refused(string computerName, int port, Exception? inner = null) => new SentinelException(
            ErrorIds.ConnectionRefused,
            ErrorCategory.ConnectionError,
            computerName,
            $"{computerName} refused the connection on port {port}: nothing listens there.",
            "Check the port (-Port, $env:SSH_PORT) and that sshd is running on the host.",
            inner);

        public static SentinelException Failed(string computerName, int port, string detail, Exception? inner = null) => new SentinelException(
            ErrorIds.ConnectionFailed,
            ErrorCategory.ConnectionError,
            computerName,
            $"Connecting to {computerName} port {port} failed: {detail}",
            "Check the host name, the port and the network path; run Test-SentinelConnection for a step-by-step diagnosis.",
            inner);

        public static SentinelException UnknownHost(string computerName, Exception? inner = null) => new SentinelException(
            ErrorIds.UnknownHost,
            ErrorCategory.ObjectNotFound,
            computerName,
            $"The host name '{computerName}' could not be resolved.",
            "Check the spelling of the host name and the DNS or /etc/hosts entry for it.",
            inner);

        /// <summary>
        /// The server refused. With its answer (<paramref name="refusal"/>) the message names the methods it
        /// accepts, as ssh's "Permission denied (publickey)", or what a partial success still needs, and
        /// the hint is about those: no password hint for a server that takes no password.
        /// </summary>
        public static SentinelException AuthenticationFailed(string computerName, string userName, string offered, AuthenticationRefusal? refusal = null, Exception? inner = null)
        {
            if (refusal == null)
            {
                return new SentinelException(
                    ErrorIds.AuthenticationFailed,
                    ErrorCategory.AuthenticationError,
                    computerName,
                    $"{computerName} refused to authenticate '{userName}' (offered: {offered}).",
                    "Check the user name and password; for a key, check that its public half is in the user's ~/.ssh/authorized_keys on the host and that the key file is the right one.",
                    inner);
            }

            var allowed = refusal.Allowed;
            var takesKey = allowed.Contains(AuthenticationRefusal.PublicKey);
            var takesPassword = allowed.Contains(AuthenticationRefusal.Password) || allowed.Contains(AuthenticationRefusal.KeyboardInteractive);
            var offeredKey = refusal.Offered.Contains(AuthenticationRefusal.PublicKey);
            var offeredPassword = refusal.Offered.Contains(AuthenticationRefusal.Password);
            var accepts = allowed.Count == 0 ? "no method" : string.Join(", ", allowed);
            string message;
            string action;
            if (refusal.PartialSuccess.Count > 0)
            {
                var first = refusal.PartialSuccess.Contains(AuthenticationRefusal.PublicKey) ? "the key" : "the password";
                var refused = takesPassword && offeredPassword ? "; the password was refused" : takesKey && offeredKey ? "; the keys offered were refused" : string.Empty;
                message = $"{computerName} accepted {first} of '{userName}' but requires also {string.Join(" or ", allowed)} (offered: {offered}){refused}.";
                action = takesPassword && offeredPassword ? $"Check the password of '{userName}': the server requires it as well as the key (AuthenticationMethods on the host)."
                    : takesPassword ? "The server requires a password as well as the key (AuthenticationMethods on the host): pass -Credential (or set $env:SSH_PASS) together with the key."
                    : takesKey && !offeredKey ? "The server requires a key as well as the password (AuthenticationMethods on the host): pass -KeyFile or use the ssh-agent, together with -Credential."
                    : takesKey ? "The server requires one more key (AuthenticationMethods on the host): check that the public half of each key is in the user's ~/.ssh/authorized_keys on the host."
                    : $"The server requires also {accepts}, which Sentinel does not offer: ask the host's owner to allow publickey or password for this account.";
            }
            else
            {
                message = $"{computerName} refused to authenticate '{userName}' (offered: {offered}): Permission denied ({string.Join(",", allowed)}), the methods the server accepts.";
                var hints = new List<string>();
                if (offeredPassword && takesPassword)
                {
                    hints.Add($"Check the user name ('{userName}') and the password.");
                }

                if (offeredKey && takesKey)
                {
                    hints.Add("For a key, check that its public half is in the user's ~/.ssh/authorized_keys on the host and that the key file is the right one.");
                }

                if (hints.Count == 0)
                {
                    hints.Add(takesKey && !takesPassword ? $"The server accepts only {accepts} for '{userName}', so the password was not sent: pass -KeyFile with a key whose public half is in the user's ~/.ssh/authorized_keys on the host, or use the ssh-agent."
                        : takesPassword ? $"The server does not accept keys for '{userName}' (it accepts {accepts}): pass -Credential or set $env:SSH_PASS."
                        : $"The server accepts only {accepts}, which Sentinel does not offer.");
                }
                else
                {
                    if (takesKey && !offeredKey)
                    {
                        hints.Add("The server also accepts keys: pass -KeyFile or use the ssh-agent.");
                    }

                    if (takesPassword && !offeredPassword)
                    {
                        hints.Add("The server also accepts a password: pass -Credential or set $env:SSH_PASS.");
                    }
                }

                action = string.Join(" ", hints);
            }

            return new SentinelException(ErrorIds.AuthenticationFailed, ErrorCategory.AuthenticationError, computerName, message, action, inner);
        }

        /// <summary>A keyboard-interactive prompt Sentinel will not answer: it fails at once rather than wait for a person.</summary>
        /// <param name="partialSuccess">The methods the server already accepted as a first step (a password before a one-time code).</param>
        public static SentinelException PromptUnsupported(string computerName, string userName, string prompt, bool echoed, IReadOnlyList<string> partialSuccess)
        {
            var after = partialSuccess.Count == 0
                ? string.Empty
                : $"After accepting {string.Join(" and ", partialSuccess)} as a first step (a partial success: the server requires more than one method), ";
            var asked = $"{computerName} asked '{userName}' a keyboard-interactive question Sentinel cannot answer: '{Connections.KeyboardInteractivePrompt.Printable(prompt)}'{(echoed ? " (shown as typed, so not a password)" : string.Empty)}.";
            return new SentinelException(
                ErrorIds.AuthenticationPromptUnsupported,
                ErrorCategory.AuthenticationError,
                computerName,
                (after.Length == 0 ? asked : after + char.ToLowerInvariant(asked[0]) + asked.Substring(1)) + " Sentinel answers only password prompts, with the -Credential password; it never hands the password to another question.",
                partialSuccess.Count == 0
                    ? "Use a key (-KeyFile, the ssh-agent, or a certificate) for this host, or ask its owner to exempt the account from the extra prompt (for example a one-time code) for automation."
                    : "The server wants a second factor after that step (AuthenticationMethods, or an MFA module in PAM): ask its owner for a key-only or certificate login for automation, or an exemption from the second factor for this account.");
        }

        public static SentinelException NoCredential(string computerName, string userName) => new SentinelException(
            ErrorIds.NoCredential,
            ErrorCategory.InvalidArgument,
            computerName,
            $"No way to authenticate '{userName}' to {computerName}: no -Credential, no -KeyFile, no $env:SSH_PASS and no usable key in ~/.ssh.",
            "Pass -Credential or -KeyFile, or set $env:SSH_PASS.");

        /// <summary>A jump host that could not authenticate: it is offered only what is meant for it, so the hints are about that.</summary>
        public static SentinelException JumpHostAuthenticationFailed(string jumpHost, string userName, SentinelException cause) => new SentinelException(
            ErrorIds.AuthenticationFailed,
            ErrorCategory.AuthenticationError,
            jumpHost,
            cause.ErrorId == ErrorIds.NoCredential
                ? $"Jump host {jumpHost} cannot authenticate '{userName}': it has no key file and no password of its own (the target's -Credential, -KeyFile and $env:SSH_PASS are never offered to a jump host)."
                : $"Jump host {cause.Message}",
            "Give the jump host its own identity: IdentityFile in its ~/.ssh/config entry, the KeyFile of an inventory server of that name, a default key in ~/.ssh, or -JumpHostCredential.",
            cause);

        public static SentinelException Lost(string computerName, string detail, Exception? inner = null) => new SentinelException(
            ErrorIds.ConnectionLost,
            ErrorCategory.ConnectionError,
            computerName,
            $"The connection to {computerName} was lost: {detail}",
            "Reconnect with Connect-SentinelServer; if it keeps happening, check the network and the host's sshd.",
            inner);

        public static SentinelException ChannelLimit(string computerName, string detail, Exception? inner = null) => new SentinelException(
            ErrorIds.ChannelLimit,
            ErrorCategory.ResourceUnavailable,
            computerName,
            $"{computerName} refused to open a channel with none other open, so no command or file transfer can run there ({detail}).",
            "Check the host's sshd_config: MaxSessions must be at least 1 (0 allows no channel), and no ForceCommand or Match block may refuse sessions for this user.",
            inner);

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
