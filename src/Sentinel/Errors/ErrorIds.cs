namespace Sentinel.Errors
{
    /// <summary>The stable error ids. Never rename one: runbooks branch on them.</summary>
    public static class ErrorIds
    {
        /// <summary>The host did not complete the TCP connection or the SSH handshake in time.</summary>
        public const string ConnectionTimeout = "Sentinel.ConnectionTimeout";

        /// <summary>The host refused the TCP connection: nothing listens on the port.</summary>
        public const string ConnectionRefused = "Sentinel.ConnectionRefused";

        /// <summary>Connecting failed for another reason, given in the message (the server closed the connection, a network error).</summary>
        public const string ConnectionFailed = "Sentinel.ConnectionFailed";

        /// <summary>An open connection was lost while in use.</summary>
        public const string ConnectionLost = "Sentinel.ConnectionLost";

        /// <summary>The server opens no channel at all on a connection (nor on a fresh one): no command or file transfer can run.</summary>
        public const string ChannelLimit = "Sentinel.ChannelLimit";

        /// <summary>The host name could not be resolved.</summary>
        public const string UnknownHost = "Sentinel.UnknownHost";

        /// <summary>The server refused every credential offered (the message lists them); also a jump host that could not log in.</summary>
        public const string AuthenticationFailed = "Sentinel.AuthenticationFailed";

        /// <summary>There was nothing to authenticate with: no credential, key file, usable agent identity or default key.</summary>
        public const string NoCredential = "Sentinel.NoCredential";

        /// <summary>The ssh-agent could not be used: its socket is missing or refuses, or it would not sign.</summary>
        public const string AgentUnavailable = "Sentinel.AgentUnavailable";

        /// <summary>The server asked a keyboard-interactive question Sentinel cannot answer.</summary>
        public const string AuthenticationPromptUnsupported = "Sentinel.AuthenticationPromptUnsupported";

        /// <summary>A certificate cannot be used: a user certificate that is missing, unreadable, for another key or not valid now, or a host certificate that does not hold for this host or does not verify.</summary>
        public const string CertificateInvalid = "Sentinel.CertificateInvalid";

        /// <summary>The host key differs from the one known_hosts (or the session being reconnected) expects.</summary>
        public const string HostKeyMismatch = "Sentinel.HostKeyMismatch";

        /// <summary>The host key is not in known_hosts under the Strict policy, or is not a valid SSH public key.</summary>
        public const string HostKeyUnknown = "Sentinel.HostKeyUnknown";

        /// <summary>The host key, its certificate or the certificate's CA is marked @revoked in known_hosts.</summary>
        public const string HostKeyRevoked = "Sentinel.HostKeyRevoked";

        /// <summary>An accepted host key could not be recorded in known_hosts.</summary>
        public const string KnownHostsUnwritable = "Sentinel.KnownHostsUnwritable";

        /// <summary>The known_hosts file could not be read to check a host key.</summary>
        public const string KnownHostsUnreadable = "Sentinel.KnownHostsUnreadable";

        /// <summary>A key file does not exist (or, for Install-SentinelKey, the public key file cannot be read).</summary>
        public const string KeyFileNotFound = "Sentinel.KeyFileNotFound";

        /// <summary>A key file is not a private key Sentinel can read.</summary>
        public const string KeyFileInvalid = "Sentinel.KeyFileInvalid";

        /// <summary>A key file exists but cannot be read.</summary>
        public const string KeyFileUnreadable = "Sentinel.KeyFileUnreadable";

        /// <summary>A key file is encrypted and no passphrase was given.</summary>
        public const string KeyPassphraseRequired = "Sentinel.KeyPassphraseRequired";

        /// <summary>The passphrase given does not decrypt the key file.</summary>
        public const string KeyPassphraseWrong = "Sentinel.KeyPassphraseWrong";

        /// <summary>No Sentinel session is open in the runspace.</summary>
        public const string NoSession = "Sentinel.NoSession";

        /// <summary>No Sentinel session has the Id given.</summary>
        public const string SessionNotFound = "Sentinel.SessionNotFound";

        /// <summary>The session has been closed.</summary>
        public const string SessionClosed = "Sentinel.SessionClosed";

        /// <summary>The session's connection broke and -NoReconnect forbade reconnecting.</summary>
        public const string SessionBroken = "Sentinel.SessionBroken";

        /// <summary>A command did not start or finish within its timeout.</summary>
        public const string CommandTimeout = "Sentinel.CommandTimeout";

        /// <summary>Sentinel could not read a command's output or write its input, and ended the command.</summary>
        public const string CommandFailed = "Sentinel.CommandFailed";

        /// <summary>The server answered for the command without running it: a ForceCommand, an SFTP-only account, a login shell that could not read it.</summary>
        public const string CommandNotRun = "Sentinel.CommandNotRun";

        /// <summary>sudo wants a password and there is none to give it.</summary>
        public const string SudoPasswordRequired = "Sentinel.SudoPasswordRequired";

        /// <summary>sudo refused the password given.</summary>
        public const string SudoPasswordWrong = "Sentinel.SudoPasswordWrong";

        /// <summary>sudoers does not allow the user to run the command.</summary>
        public const string SudoNotAllowed = "Sentinel.SudoNotAllowed";

        /// <summary>sudo requires a terminal (requiretty), and Sentinel runs commands without one.</summary>
        public const string SudoRequiresTty = "Sentinel.SudoRequiresTty";

        /// <summary>sudo is not installed on the host, or not on the login PATH.</summary>
        public const string SudoNotInstalled = "Sentinel.SudoNotInstalled";

        /// <summary>A parameter value cannot be used.</summary>
        public const string InvalidArgument = "Sentinel.InvalidArgument";

        /// <summary>The servers file cannot be used: unreadable, not valid JSON, or an entry is wrong.</summary>
        public const string InventoryInvalid = "Sentinel.InventoryInvalid";

        /// <summary>The servers file could not be written.</summary>
        public const string InventoryUnwritable = "Sentinel.InventoryUnwritable";

        /// <summary>The OpenSSH client configuration cannot be used for the host.</summary>
        public const string SshConfigInvalid = "Sentinel.SshConfigInvalid";

        /// <summary>No server in the inventory has the name, or carries the tags, given.</summary>
        public const string ServerNotFound = "Sentinel.ServerNotFound";

        /// <summary>A server of that name is already in the inventory.</summary>
        public const string ServerExists = "Sentinel.ServerExists";

        /// <summary>The jump host chain cannot be used.</summary>
        public const string JumpHostInvalid = "Sentinel.JumpHostInvalid";

        /// <summary>The service name holds characters a service name cannot have.</summary>
        public const string InvalidServiceName = "Sentinel.InvalidServiceName";

        /// <summary>The host has no service of that name.</summary>
        public const string ServiceNotFound = "Sentinel.ServiceNotFound";

        /// <summary>The service's configuration fails its test, so the service was left as it was.</summary>
        public const string ServiceConfigInvalid = "Sentinel.ServiceConfigInvalid";

        /// <summary>Sentinel knows no configuration test for the service.</summary>
        public const string ServiceConfigTestUnknown = "Sentinel.ServiceConfigTestUnknown";

        /// <summary>Starting, stopping or restarting the service failed.</summary>
        public const string ServiceActionFailed = "Sentinel.ServiceActionFailed";

        /// <summary>The service did not reach the state asked for in time.</summary>
        public const string ServiceStateTimeout = "Sentinel.ServiceStateTimeout";

        /// <summary>systemd refused the start: the unit was started StartLimitBurst times within StartLimitIntervalSec (result start-limit-hit).</summary>
        public const string ServiceStartLimitHit = "Sentinel.ServiceStartLimitHit";

        /// <summary>systemd is restarting the unit itself (activating, auto-restart): Sentinel leaves it to systemd.</summary>
        public const string ServiceAutoRestarting = "Sentinel.ServiceAutoRestarting";

        /// <summary>After a restart, the service did not pass its health gate: it stopped running, its main process changed, or -HealthCommand failed.</summary>
        public const string ServiceUnhealthy = "Sentinel.ServiceUnhealthy";

        /// <summary>The container name or id holds characters it cannot have.</summary>
        public const string InvalidContainerName = "Sentinel.InvalidContainerName";

        /// <summary>The host has no container of that name or id.</summary>
        public const string ContainerNotFound = "Sentinel.ContainerNotFound";

        /// <summary>A docker command failed.</summary>
        public const string ContainerCommandFailed = "Sentinel.ContainerCommandFailed";

        /// <summary>The key file to write already exists.</summary>
        public const string KeyFileExists = "Sentinel.KeyFileExists";

        /// <summary>The key file could not be written.</summary>
        public const string KeyFileUnwritable = "Sentinel.KeyFileUnwritable";

        /// <summary>The public key file is not a usable public key.</summary>
        public const string PublicKeyInvalid = "Sentinel.PublicKeyInvalid";

        /// <summary>Installing the key on the host failed.</summary>
        public const string KeyInstallFailed = "Sentinel.KeyInstallFailed";

        /// <summary>An item to copy does not exist.</summary>
        public const string FileNotFound = "Sentinel.FileNotFound";

        /// <summary>The destination exists and differs, and -Force was not given.</summary>
        public const string FileExists = "Sentinel.FileExists";

        /// <summary>The new file failed its -Validate command, so the destination was left as it was.</summary>
        public const string FileValidationFailed = "Sentinel.FileValidationFailed";

        /// <summary>The copy's SHA-256 on the host does not match the source's, or could not be computed; the destination was left as it was.</summary>
        public const string FileVerificationFailed = "Sentinel.FileVerificationFailed";

        /// <summary>Copying a file failed.</summary>
        public const string FileCopyFailed = "Sentinel.FileCopyFailed";

        /// <summary>A file or directory of the copy could not be read or written for lack of permission (over SFTP or by a command).</summary>
        public const string FilePermissionDenied = "Sentinel.FilePermissionDenied";

        /// <summary>The account may use SFTP only (ForceCommand internal-sftp), and the copy asked for something that runs a command (-Sudo, -Validate, -Backup...).</summary>
        public const string SftpOnlyAccount = "Sentinel.SftpOnlyAccount";

        /// <summary>The host has no SHA-256 program (sha256sum, shasum, sha256, openssl), which a -Sudo copy needs.</summary>
        public const string HashToolMissing = "Sentinel.HashToolMissing";

        /// <summary>Writing the destination as root (-Sudo) was refused as unsafe: a directory or link on its path is another user's to change, or the path holds '..'.</summary>
        public const string UnsafeDestination = "Sentinel.UnsafeDestination";

        /// <summary>A remote name would put a file outside the destination, so it was not copied.</summary>
        public const string UnsafeRemoteName = "Sentinel.UnsafeRemoteName";

        /// <summary>A remote tree has too many entries or levels to be copied in full.</summary>
        public const string RemoteTreeTooLarge = "Sentinel.RemoteTreeTooLarge";

        /// <summary>A copy did not finish on a host within Copy-SentinelItem -Timeout.</summary>
        public const string CopyTimeout = "Sentinel.CopyTimeout";

        /// <summary>Sentinel knows no log for the service.</summary>
        public const string ServiceLogUnknown = "Sentinel.ServiceLogUnknown";

        /// <summary>Reading the service's log failed.</summary>
        public const string ServiceLogFailed = "Sentinel.ServiceLogFailed";

        /// <summary>No service was named for a host, by -Name or in the inventory.</summary>
        public const string NoServiceToRepair = "Sentinel.NoServiceToRepair";

        /// <summary>The circuit breaker tripped, so the remaining repairs were not made.</summary>
        public const string RemediationBreakerTripped = "Sentinel.RemediationBreakerTripped";

        /// <summary>The remediation state file (the restart budgets) cannot be used.</summary>
        public const string RemediationStateInvalid = "Sentinel.RemediationStateInvalid";

        /// <summary>The -MetricsPath file (Prometheus text format) could not be written.</summary>
        public const string MetricsWriteFailed = "Sentinel.MetricsWriteFailed";
    }
}
