using System.Diagnostics.CodeAnalysis;

namespace Sentinel.Results
{
    /// <summary>A key pair New-SentinelKey wrote.</summary>
    public sealed class KeyPairResult
    {
        internal KeyPairResult(string path, string publicKeyPath, string keyType, string fingerprint, string comment, bool encrypted, string publicKey)
        {
            Path = path;
            PublicKeyPath = publicKeyPath;
            KeyType = keyType;
            Fingerprint = fingerprint;
            Comment = comment;
            Encrypted = encrypted;
            PublicKey = publicKey;
        }

        /// <summary>The private key file (OpenSSH format, mode 600).</summary>
        public string Path { get; }

        /// <summary>The public key file: Path with .pub.</summary>
        public string PublicKeyPath { get; }

        /// <summary>The key's type: ssh-ed25519.</summary>
        public string KeyType { get; }

        /// <summary>As ssh-keygen -l prints it: <c>SHA256:...</c>.</summary>
        public string Fingerprint { get; }

        /// <summary>The comment at the end of the public key line.</summary>
        public string Comment { get; }

        /// <summary>True when the private key is encrypted with the passphrase (aes256-ctr, bcrypt_pbkdf).</summary>
        public bool Encrypted { get; }

        /// <summary>The public key line, as the .pub file and authorized_keys hold it.</summary>
        public string PublicKey { get; }
    }

    /// <summary>What Install-SentinelKey did with the key on a host.</summary>
    public enum KeyInstallStatus
    {
        /// <summary>The key was appended to the user's authorized_keys.</summary>
        Added,

        /// <summary>The file already held the key (same type and data); nothing was written.</summary>
        AlreadyPresent,
    }

    /// <summary>One host's outcome of Install-SentinelKey.</summary>
    public sealed class KeyInstallResult
    {
        internal KeyInstallResult(string computerName, int port, string userName, string keyType, string fingerprint, string comment, KeyInstallStatus status, bool verified, string? verifyError)
        {
            ComputerName = computerName;
            Port = port;
            UserName = userName;
            KeyType = keyType;
            Fingerprint = fingerprint;
            Comment = comment;
            Status = status;
            Verified = verified;
            VerifyError = verifyError;
        }

        /// <summary>The host the key was installed on.</summary>
        public string ComputerName { get; }

        /// <summary>The SSH port of the host.</summary>
        public int Port { get; }

        /// <summary>The login user whose authorized_keys got the key.</summary>
        public string UserName { get; }

        /// <summary>Where the key went, as the user's path: <c>~/.ssh/authorized_keys</c>.</summary>
        [SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "A result property: PowerShell shows, formats and selects instance properties only.")]
        public string Path => Keys.KeyInstaller.DisplayPath;

        /// <summary>The installed key's type, such as ssh-ed25519.</summary>
        public string KeyType { get; }

        /// <summary>The installed key's fingerprint, as ssh-keygen -l prints it: <c>SHA256:...</c>.</summary>
        public string Fingerprint { get; }

        /// <summary>The installed key's comment.</summary>
        public string Comment { get; }

        /// <summary>Whether the key was added or already there.</summary>
        public KeyInstallStatus Status { get; }

        /// <summary>True when a fresh connection offering only the private key logged in.</summary>
        public bool Verified { get; }

        /// <summary>Why the fresh connection did not log in; null when it did.</summary>
        public string? VerifyError { get; }
    }
}
