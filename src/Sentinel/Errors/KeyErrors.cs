using System;
using System.Management.Automation;

namespace Sentinel.Errors
{
    /// <summary>Failures of making and installing key pairs (New-SentinelKey, Install-SentinelKey).</summary>
    internal static class KeyErrors
    {
        public static SentinelException FileExists(string path) => new SentinelException(
            ErrorIds.KeyFileExists,
            ErrorCategory.ResourceExists,
            null,
            $"'{path}' already exists; New-SentinelKey does not overwrite a key file.",
            "Choose another -Path, or pass -Force to replace the key pair (anything that logs in with the old key stops working).");

        public static SentinelException Unwritable(string path, Exception inner) => new SentinelException(
            ErrorIds.KeyFileUnwritable,
            ErrorCategory.WriteError,
            null,
            $"Could not write the key file '{path}': {inner.Message}",
            "Check that the folder exists or can be created and is writable.",
            inner);

        public static SentinelException PublicKeyInvalid(string path, string reason) => new SentinelException(
            ErrorIds.PublicKeyInvalid,
            ErrorCategory.InvalidData,
            null,
            $"'{path}' is not a usable public key file: {reason}.",
            "Pass the .pub file ssh-keygen or New-SentinelKey wrote: one line 'TYPE BASE64 [comment]' with an ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa key.");

        public static SentinelException InstallFailed(string computerName, string userName, string what, string detail) => new SentinelException(
            ErrorIds.KeyInstallFailed,
            ErrorCategory.WriteError,
            computerName,
            $"Could not {what} on {computerName} for '{userName}': {detail}",
            "Check that the user's home folder exists and that ~/.ssh and ~/.ssh/authorized_keys belong to the user and are writable by it.");
    }
}
