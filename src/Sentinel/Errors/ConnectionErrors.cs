using System;
using System.Globalization;
using System.Management.Automation;

namespace Sentinel.Errors
{
    /// <summary>
    /// The wording of connection failures, in one place, so every cmdlet and the adapter say the same
    /// thing: which host, what happened, what to check.
    /// </summary>
    internal static class ConnectionErrors
    {
        public static SentinelException Timeout(string computerName, int port, TimeSpan timeout, Exception? inner = null) => new SentinelException(
            ErrorIds.ConnectionTimeout,
            ErrorCategory.OperationTimeout,
            computerName,
            $"Connecting to {computerName} port {port} timed out after {Seconds(timeout)} s: the host did not complete the SSH handshake.",
            "Check that the host is up and that the port is an SSH server (a firewall that drops packets, or a service that never speaks SSH, looks like this). Raise -ConnectTimeout for a slow link.",
            inner);

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

        public static SentinelException AuthenticationFailed(string computerName, string userName, string offered, Exception? inner = null) => new SentinelException(
            ErrorIds.AuthenticationFailed,
            ErrorCategory.AuthenticationError,
            computerName,
            $"{computerName} refused to authenticate '{userName}' (offered: {offered}).",
            "Check the user name and password; for a key, check that its public half is in the user's ~/.ssh/authorized_keys on the host and that the key file is the right one.",
            inner);

        /// <summary>A keyboard-interactive prompt Sentinel will not answer: it fails at once rather than wait for a person.</summary>
        public static SentinelException PromptUnsupported(string computerName, string userName, string prompt, bool echoed) => new SentinelException(
            ErrorIds.AuthenticationPromptUnsupported,
            ErrorCategory.AuthenticationError,
            computerName,
            $"{computerName} asked '{userName}' a keyboard-interactive question Sentinel cannot answer: '{Connections.KeyboardInteractivePrompt.Printable(prompt)}'{(echoed ? " (shown as typed, so not a password)" : string.Empty)}. Sentinel answers only password prompts, with the -Credential password.",
            "Use a key (-KeyFile, the ssh-agent, or a certificate) for this host, or ask its owner to exempt the account from the extra prompt (for example a one-time code) for automation.");

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

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
