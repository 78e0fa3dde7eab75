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
using Sentinel.Errors;
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
        private readonly PrivateKeyFile _file;

        private SshNetPrivateKey(string path, PrivateKeyFile file)
        {
            Path = path;
            _file = file;
            HostKeyAlgorithms = file.HostKeyAlgorithms.Where(a => a.Name != "ssh-rsa").ToList();
        }

        public string Path { get; }

        public string KeyType => _file.Key.ToString() ?? "unknown";

        public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }

        public static SshNetPrivateKey Load(string path, SecureString? passphrase, string computerName)
        {
            if (!File.Exists(path))
            {
                throw new SentinelException(
                    ErrorIds.KeyFileNotFound,
                    ErrorCategory.ObjectNotFound,
                    computerName,
                    $"The key file '{path}' does not exist.",
                    "Check the -KeyFile path (~ is expanded).");
            }

            // Load without the passphrase first: that tells an encrypted key from a broken file, so a
            // wrong passphrase and an invalid file get different errors.
            try
            {
                return new SshNetPrivateKey(path, new PrivateKeyFile(path));
            }
            catch (SshPassPhraseNullOrEmptyException) when (passphrase != null)
            {
                return LoadEncrypted(path, passphrase, computerName);
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
            catch (Exception e) when (e is SshException || e is CryptographicException || e is ArgumentException || e is InvalidOperationException || e is NotSupportedException)
            {
                throw InvalidKey(path, computerName, e);
            }
        }

        private static SshNetPrivateKey LoadEncrypted(string path, SecureString passphrase, string computerName)
        {
            try
            {
                return new SshNetPrivateKey(path, new PrivateKeyFile(path, Secrets.ToUnsecureString(passphrase)));
            }
            catch (Exception e) when (e is SshException || e is CryptographicException || e is ArgumentException || e is InvalidOperationException)
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

        private static SentinelException InvalidKey(string path, string computerName, Exception e) => new SentinelException(
            ErrorIds.KeyFileInvalid,
            ErrorCategory.InvalidData,
            computerName,
            $"The key file '{path}' is not a private key Sentinel can read: {e.Message}",
            "Pass the private key (not the .pub file) in OpenSSH, PEM, PKCS#8 or PuTTY format.",
            e);
    }
}
