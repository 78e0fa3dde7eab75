using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;
using Renci.SshNet.Security.Cryptography;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Platform;
using Sentinel.Transport;

namespace Sentinel.Ssh
{
    /// <summary>
    /// A loaded private key that never offers the SHA-1 <c>ssh-rsa</c> signature: OpenSSH 8.8+ refuses
    /// it, and SSH.NET offers it first, which burns one of the server's MaxAuthTries per RSA key.
    /// </summary>
    internal sealed class SshNetPrivateKey : IPrivateKey, IPrivateKeySource
    {
        private const int MaxKeyFileBytes = 1024 * 1024;
        private readonly PrivateKeyFile _file;

        private SshNetPrivateKey(string path, PrivateKeyFile file)
        {
            Path = path;
            _file = file;
            HostKeyAlgorithms = file.HostKeyAlgorithms.Where(a => a.Name != "ssh-rsa").ToList();
            PublicKeyBlob = file.HostKeyAlgorithms.First(a => !SshKeyBlob.IsCertificate(a.Name)).Data;
        }

        private SshNetPrivateKey(SshNetPrivateKey plain, IReadOnlyCollection<HostAlgorithm> certificateAlgorithms, SshCertificate certificate, string certificatePath)
        {
            Path = plain.Path;
            _file = plain._file;
            PublicKeyBlob = plain.PublicKeyBlob;
            Certificate = certificate;
            CertificatePath = certificatePath;

            // The certificate first, as ssh offers it, then the plain key for a server that does not take it.
            HostKeyAlgorithms = certificateAlgorithms.Concat(plain.HostKeyAlgorithms).ToList();
        }

        public string Path { get; }

        public string KeyType => _file.Key.ToString() ?? "unknown";

        public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }

        public SshCertificate? Certificate { get; }

        public string? CertificatePath { get; }

        /// <summary>
        /// This key offering also <paramref name="certificate"/> (checked by the engine to certify this
        /// very key): RSA certificates sign with rsa-sha2-512 or rsa-sha2-256, never SHA-1, like plain keys.
        /// </summary>
        public IPrivateKey WithCertificate(SshCertificate certificate, string certificatePath)
        {
            Certificate parsed;
            try
            {
                parsed = new Certificate(certificate.Blob);
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                throw new SentinelException(
                    ErrorIds.CertificateInvalid,
                    ErrorCategory.InvalidData,
                    null,
                    $"The certificate file '{certificatePath}' is not a certificate Sentinel can use: {e.Message}",
                    "Pass the -cert.pub file ssh-keygen -s wrote for this key.",
                    e);
            }

            var key = _file.Key;
            var algorithms = key is RsaKey rsa
                ? new HostAlgorithm[]
                {
                    new CertificateHostAlgorithm("rsa-sha2-512-cert-v01@openssh.com", key, parsed, new RsaDigitalSignature(rsa, HashAlgorithmName.SHA512)),
                    new CertificateHostAlgorithm("rsa-sha2-256-cert-v01@openssh.com", key, parsed, new RsaDigitalSignature(rsa, HashAlgorithmName.SHA256)),
                }
                : new HostAlgorithm[] { new CertificateHostAlgorithm(parsed.Name, key, parsed) };
            return new SshNetPrivateKey(this, algorithms, certificate, certificatePath);
        }

        /// <summary>The plain public key (not a certificate), to match against the agent's identities.</summary>
        public byte[] PublicKeyBlob { get; }

        public static SshNetPrivateKey Load(string path, SecureString? passphrase, string computerName)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new SentinelException(
                    ErrorIds.KeyFileNotFound,
                    ErrorCategory.ObjectNotFound,
                    computerName,
                    $"The key file '{path}' does not exist.",
                    "Check the -KeyFile path (~ is expanded).");
            }

            var bytes = ReadKeyFile(path, computerName);

            // Load without the passphrase first: that tells an encrypted key from a broken file, so a
            // wrong passphrase and an invalid file get different errors.
            try
            {
                return new SshNetPrivateKey(path, new PrivateKeyFile(new MemoryStream(bytes, writable: false)));
            }
            catch (SshPassPhraseNullOrEmptyException) when (passphrase != null)
            {
                return LoadEncrypted(path, bytes, passphrase, computerName);
            }
            catch (SshPassPhraseNullOrEmptyException e)
            {
                throw new SentinelException(
                    ErrorIds.KeyPassphraseRequired,
                    ErrorCategory.InvalidArgument,
                    computerName,
                    $"The key file '{path}' is encrypted and no passphrase was given.",
                    "Pass -KeyPassphrase (a SecureString, for example from Read-Host -AsSecureString or a secret store).",
                    e);
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                // Garbage can fail the parser in any way (index, overflow, format...): all of it means "not a key".
                throw InvalidKey(path, computerName, e);
            }
        }

        /// <summary>
        /// The file's bytes, read here rather than by SSH.NET so that what is not a readable regular file
        /// of a key's size is a Sentinel error: a folder, no permission, or a pipe or device (length 0,
        /// which would block or never end), or something far larger than any key.
        /// </summary>
        private static byte[] ReadKeyFile(string path, string computerName)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    throw Unreadable(path, computerName, "it is a folder, not a file", null);
                }

                var length = new FileInfo(path).Length;
                if (length == 0 || length > MaxKeyFileBytes)
                {
                    throw InvalidKey(path, computerName, length == 0 ? "it is empty, or not a regular file" : $"it is larger than {MaxKeyFileBytes / 1024} KiB, which no key is", null);
                }

                return File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is System.Security.SecurityException)
            {
                throw Unreadable(path, computerName, e.Message, e);
            }
        }

        private static SshNetPrivateKey LoadEncrypted(string path, byte[] bytes, SecureString passphrase, string computerName)
        {
            try
            {
                return new SshNetPrivateKey(path, new PrivateKeyFile(new MemoryStream(bytes, writable: false), Secrets.ToUnsecureString(passphrase)));
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                throw new SentinelException(
                    ErrorIds.KeyPassphraseWrong,
                    ErrorCategory.AuthenticationError,
                    computerName,
                    $"The passphrase does not decrypt the key file '{path}'.",
                    "Check the passphrase; 'ssh-keygen -y -f <key>' tells whether a passphrase opens the key.",
                    e);
            }
        }

        private static SentinelException InvalidKey(string path, string computerName, Exception e) => InvalidKey(path, computerName, e.Message, e);

        private static SentinelException InvalidKey(string path, string computerName, string problem, Exception? e) => new SentinelException(
            ErrorIds.KeyFileInvalid,
            ErrorCategory.InvalidData,
            computerName,
            $"The key file '{path}' is not a private key Sentinel can read: {problem}",
            "Pass the private key (not the .pub file) in OpenSSH, PEM, PKCS#8 or PuTTY format.",
            e);

        private static SentinelException Unreadable(string path, string computerName, string problem, Exception? e) => new SentinelException(
            ErrorIds.KeyFileUnreadable,
            ErrorCategory.ReadError,
            computerName,
            $"The key file '{path}' cannot be read: {problem}",
            "Check the -KeyFile path (or the IdentityFile in ssh_config) and that the file is readable by you (chmod 600, owned by you).",
            e);
    }
}
