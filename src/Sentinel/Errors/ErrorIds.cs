namespace Sentinel.Errors
{
    /// <summary>The stable error ids. Never rename one: runbooks branch on them.</summary>
    public static class ErrorIds
    {
        public const string ConnectionTimeout = "Sentinel.ConnectionTimeout";
        public const string ConnectionRefused = "Sentinel.ConnectionRefused";
        public const string ConnectionFailed = "Sentinel.ConnectionFailed";
        public const string ConnectionLost = "Sentinel.ConnectionLost";
        public const string UnknownHost = "Sentinel.UnknownHost";
        public const string AuthenticationFailed = "Sentinel.AuthenticationFailed";
        public const string NoCredential = "Sentinel.NoCredential";
        public const string AgentUnavailable = "Sentinel.AgentUnavailable";
        public const string AuthenticationPromptUnsupported = "Sentinel.AuthenticationPromptUnsupported";
        public const string CertificateInvalid = "Sentinel.CertificateInvalid";
        public const string HostKeyMismatch = "Sentinel.HostKeyMismatch";
        public const string HostKeyUnknown = "Sentinel.HostKeyUnknown";
        public const string HostKeyRevoked = "Sentinel.HostKeyRevoked";
        public const string KnownHostsUnwritable = "Sentinel.KnownHostsUnwritable";
        public const string KnownHostsUnreadable = "Sentinel.KnownHostsUnreadable";
        public const string KeyFileNotFound = "Sentinel.KeyFileNotFound";
        public const string KeyFileInvalid = "Sentinel.KeyFileInvalid";
        public const string KeyFileUnreadable = "Sentinel.KeyFileUnreadable";
        public const string KeyPassphraseRequired = "Sentinel.KeyPassphraseRequired";
        public const string KeyPassphraseWrong = "Sentinel.KeyPassphraseWrong";
        public const string NoSession = "Sentinel.NoSession";
        public const string SessionNotFound = "Sentinel.SessionNotFound";
        public const string SessionClosed = "Sentinel.SessionClosed";
        public const string SessionBroken = "Sentinel.SessionBroken";
        public const string CommandTimeout = "Sentinel.CommandTimeout";
        public const string CommandFailed = "Sentinel.CommandFailed";
        public const string SudoPasswordRequired = "Sentinel.SudoPasswordRequired";
        public const string SudoPasswordWrong = "Sentinel.SudoPasswordWrong";
        public const string SudoNotAllowed = "Sentinel.SudoNotAllowed";
        public const string SudoRequiresTty = "Sentinel.SudoRequiresTty";
        public const string SudoNotInstalled = "Sentinel.SudoNotInstalled";
        public const string InvalidArgument = "Sentinel.InvalidArgument";
        public const string InventoryInvalid = "Sentinel.InventoryInvalid";
        public const string InventoryUnwritable = "Sentinel.InventoryUnwritable";
        public const string SshConfigInvalid = "Sentinel.SshConfigInvalid";
        public const string ServerNotFound = "Sentinel.ServerNotFound";
        public const string ServerExists = "Sentinel.ServerExists";
        public const string JumpHostInvalid = "Sentinel.JumpHostInvalid";
        public const string InvalidServiceName = "Sentinel.InvalidServiceName";
        public const string ServiceNotFound = "Sentinel.ServiceNotFound";
        public const string ServiceConfigInvalid = "Sentinel.ServiceConfigInvalid";
        public const string ServiceConfigTestUnknown = "Sentinel.ServiceConfigTestUnknown";
        public const string ServiceActionFailed = "Sentinel.ServiceActionFailed";
        public const string ServiceStateTimeout = "Sentinel.ServiceStateTimeout";
        public const string InvalidContainerName = "Sentinel.InvalidContainerName";
        public const string ContainerNotFound = "Sentinel.ContainerNotFound";
        public const string ContainerCommandFailed = "Sentinel.ContainerCommandFailed";
        public const string KeyFileExists = "Sentinel.KeyFileExists";
        public const string KeyFileUnwritable = "Sentinel.KeyFileUnwritable";
        public const string PublicKeyInvalid = "Sentinel.PublicKeyInvalid";
        public const string KeyInstallFailed = "Sentinel.KeyInstallFailed";
        public const string FileNotFound = "Sentinel.FileNotFound";
        public const string FileExists = "Sentinel.FileExists";
        public const string FileValidationFailed = "Sentinel.FileValidationFailed";
        public const string FileVerificationFailed = "Sentinel.FileVerificationFailed";
        public const string FileCopyFailed = "Sentinel.FileCopyFailed";
        public const string UnsafeDestination = "Sentinel.UnsafeDestination";
        public const string UnsafeRemoteName = "Sentinel.UnsafeRemoteName";
        public const string RemoteTreeTooLarge = "Sentinel.RemoteTreeTooLarge";
        public const string CopyTimeout = "Sentinel.CopyTimeout";
        public const string ServiceLogUnknown = "Sentinel.ServiceLogUnknown";
        public const string ServiceLogFailed = "Sentinel.ServiceLogFailed";
        public const string NoServiceToRepair = "Sentinel.NoServiceToRepair";
        public const string RemediationBreakerTripped = "Sentinel.RemediationBreakerTripped";
        public const string RemediationStateInvalid = "Sentinel.RemediationStateInvalid";
    }
}
