using System.Management.Automation;
using Sentinel.Execution;

namespace Sentinel.Errors
{
    /// <summary>The ways sudo can refuse, each with its own id; none of them ever carries the password.</summary>
    internal static class SudoErrors
    {
        /// <param name="shellSyntax">The shell syntax that sent the line through sh -c under sudo; null for a simple command.</param>
        public static SentinelException PasswordRequired(string computerName, string userName, string command, string? shellSyntax) => new SentinelException(
            ErrorIds.SudoPasswordRequired,
            ErrorCategory.AuthenticationError,
            computerName,
            $"sudo on {computerName} wants a password for '{userName}' to run: {command}. The session has no password (key authentication) and no -SudoCredential was given." + ThroughShell(shellSyntax),
            "Pass -SudoCredential, or grant the command NOPASSWD in the host's sudoers (see about_Sentinel)." + SplitAdvice(shellSyntax));

        public static SentinelException PasswordWrong(string computerName, string userName) => new SentinelException(
            ErrorIds.SudoPasswordWrong,
            ErrorCategory.AuthenticationError,
            computerName,
            $"sudo on {computerName} refused the password for '{userName}'. Sentinel stopped after the first refusal (no retries that could lock the account).",
            "Check the password in -SudoCredential (or the session's login password).");

        /// <param name="shellSyntax">The shell syntax that sent the line through sh -c under sudo; null for a simple command.</param>
        public static SentinelException NotAllowed(string computerName, string userName, string command, string sudoSaid, string? shellSyntax) => new SentinelException(
            ErrorIds.SudoNotAllowed,
            ErrorCategory.PermissionDenied,
            computerName,
            $"sudo on {computerName} does not allow '{userName}' to run: {command} ({sudoSaid.Trim()})" + ThroughShell(shellSyntax),
            shellSyntax == null
                ? "Add a rule for this exact command to the host's sudoers, or run a command the rules allow ('sudo -l' on the host lists them)."
                : SplitAdvice(shellSyntax).TrimStart());

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

        // Why sudo saw /bin/sh and not the user's program: a rule for the program cannot match.
        private static string ThroughShell(string? shellSyntax) => shellSyntax == null
            ? string.Empty
            : $" The line has shell syntax ({shellSyntax}), so Sentinel ran it whole as root through '{SudoCommandLine.Shell} -c' (sudo -- {SudoCommandLine.Shell} -c '<line>'), never only its first command; nothing of it ran. Rules for the programs in the line do not match '{SudoCommandLine.Shell} -c'.";

        private static string SplitAdvice(string? shellSyntax) => shellSyntax == null
            ? string.Empty
            : $" Split the line into simple commands (a program and its arguments, without ; & | < > $ ` or newlines), one Invoke-SentinelCommand -Sudo each, so the rules for each program match. Do not allow '{SudoCommandLine.Shell}' in sudoers ('NOPASSWD: {SudoCommandLine.Shell} -c ...' lets the user run anything as root); if the user may run anything, grant ALL with a password and pass -SudoCredential.";
    }
}
