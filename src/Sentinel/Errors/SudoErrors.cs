using System.Management.Automation;

namespace Sentinel.Errors
{
    /// <summary>The ways sudo can refuse, each with its own id; none of them ever carries the password.</summary>
    internal static class SudoErrors
    {
        public static SentinelException PasswordRequired(string computerName, string userName, string command) => new SentinelException(
            ErrorIds.SudoPasswordRequired,
            ErrorCategory.AuthenticationError,
            computerName,
            $"sudo on {computerName} wants a password for '{userName}' to run: {command}. The session has no password (key authentication) and no -SudoCredential was given.",
            "Pass -SudoCredential, or grant the command NOPASSWD in the host's sudoers (see about_Sentinel).");

        public static SentinelException PasswordWrong(string computerName, string userName) => new SentinelException(
            ErrorIds.SudoPasswordWrong,
            ErrorCategory.AuthenticationError,
            computerName,
            $"sudo on {computerName} refused the password for '{userName}'. Sentinel stopped after the first refusal (no retries that could lock the account).",
            "Check the password in -SudoCredential (or the session's login password).");

        public static SentinelException NotAllowed(string computerName, string userName, string command, string sudoSaid) => new SentinelException(
            ErrorIds.SudoNotAllowed,
            ErrorCategory.PermissionDenied,
            computerName,
            $"sudo on {computerName} does not allow '{userName}' to run: {command} ({sudoSaid.Trim()})",
            "Add a rule for this exact command to the host's sudoers, or run a command the rules allow ('sudo -l' on the host lists them).");

        public static SentinelException RequiresTty(string computerName, string userName) => new SentinelException(
            ErrorIds.SudoRequiresTty,
            ErrorCategory.PermissionDenied,
            computerName,
            $"sudo on {computerName} requires a terminal for '{userName}' (the 'requiretty' sudoers option). Sentinel runs commands without a terminal, so sudo refused before running anything.",
            $"Remove 'requiretty' for this user in the host's sudoers (Defaults:{userName} !requiretty); it protects nothing for a non-interactive caller.");

        public static SentinelException NotInstalled(string computerName) => new SentinelException(
            ErrorIds.SudoNotInstalled,
            ErrorCategory.ObjectNotFound,
            computerName,
            $"sudo is not installed on {computerName} (or not on the login PATH).",
            "Install the sudo package on the host, or run the command without -Sudo as a user that has the rights.");
    }
}
