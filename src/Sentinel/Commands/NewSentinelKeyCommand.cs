using System;
using System.Linq;
using System.Management.Automation;
using System.Security;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Keys;
using Sentinel.Platform;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>
    /// Makes an ed25519 key pair in OpenSSH's format, as ssh-keygen -t ed25519 does: the private file
    /// (mode 600, encrypted with aes256-ctr and bcrypt_pbkdf when a passphrase is given) and PATH.pub.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "SentinelKey", SupportsShouldProcess = true)]
    [OutputType(typeof(KeyPairResult))]
    public sealed class NewSentinelKeyCommand : SentinelCmdlet
    {
        private const int MaxCommentLength = 1024;

        /// <summary>The private key file; the public key goes to the same path with .pub.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>The key's comment; by default user@host, as ssh-keygen writes it.</summary>
        [Parameter]
        [AllowEmptyString]
        public string? Comment { get; set; }

        /// <summary>Encrypts the private key; without it (or empty) the key is not encrypted.</summary>
        [Parameter]
        public SecureString? Passphrase { get; set; }

        /// <summary>Replaces an existing key pair at Path.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var path = GetUnresolvedProviderPathFromPSPath(ConnectionSettings.ExpandPath(Path));
            var comment = Comment ?? $"{Environment.UserName}@{Environment.MachineName}";
            if (comment.Length > MaxCommentLength || comment.Any(char.IsControl))
            {
                ThrowSentinelError(new SentinelException(
                    ErrorIds.InvalidArgument,
                    ErrorCategory.InvalidArgument,
                    null,
                    $"-Comment must be one line of at most {MaxCommentLength} characters without control characters.",
                    "Pass a short comment such as 'ops@example'."));
            }

            if (!ShouldProcess($"{path} and {KeyPairFiles.PublicPath(path)}", "Create ed25519 key pair"))
            {
                return;
            }

            var passphrase = Passphrase != null && Passphrase.Length > 0 ? Secrets.ToUtf8(Passphrase) : null;
            var seed = OpenSshKeyFile.NewSeed();
            try
            {
                var publicKey = KeyPrimitives.Ed25519PublicKey(seed);
                var privateText = OpenSshKeyFile.PrivateFile(seed, publicKey, comment, passphrase, KeyFileNonces.Random(), KeyPrimitives);
                var publicLine = OpenSshKeyFile.PublicLine(publicKey, comment);
                KeyPairFiles.Write(path, privateText, publicLine, Force);
                WriteVerbose($"Wrote '{path}' (mode 600{(passphrase != null ? ", encrypted with aes256-ctr, bcrypt_pbkdf 24 rounds" : ", not encrypted")}) and '{KeyPairFiles.PublicPath(path)}'.");
                WriteObject(new KeyPairResult(path, KeyPairFiles.PublicPath(path), OpenSshKeyFile.KeyType, OpenSshKeyFile.Fingerprint(publicKey), comment, passphrase != null, publicLine));
            }
            catch (SentinelException e)
            {
                // Non-terminating, as New-Item's "already exists": -ErrorAction decides.
                WriteSentinelError(e, path);
            }
            finally
            {
                Array.Clear(seed, 0, seed.Length);
                if (passphrase != null)
                {
                    Array.Clear(passphrase, 0, passphrase.Length);
                }
            }
        }
    }
}
