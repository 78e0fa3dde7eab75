using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Sentinel.Agent;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Transport;

namespace Sentinel.Connections
{
    /// <summary>
    /// Pairs key files with OpenSSH user certificates as ssh does: a CertificateFile (-CertificateFile,
    /// ssh_config) that certifies the key, else <c>&lt;key&gt;-cert.pub</c> beside it. A certificate that is
    /// not valid now is refused before connecting: the server would refuse it anyway, and saying why
    /// (key id, window, the clock) beats an authentication failure.
    /// </summary>
    internal static class UserCertificates
    {
        public const string BesideSuffix = "-cert.pub";

        /// <summary>
        /// The key with its certificate attached, or the key as it is when none pairs with it.
        /// <paramref name="named"/> is false for a default identity (~/.ssh/id_*): its unusable
        /// certificate is skipped with a log line instead of failing the connection.
        /// </summary>
        public static IPrivateKey Attach(IPrivateKey key, IReadOnlyList<(string Path, SshCertificate Certificate)> certificateFiles, bool named, string computerName, DateTime nowUtc, Action<string> log)
        {
            var chosen = certificateFiles.FirstOrDefault(c => c.Certificate.PublicKey.SequenceEqual(key.PublicKeyBlob));
            if (chosen.Certificate == null)
            {
                var beside = key.Path + BesideSuffix;
                if (!File.Exists(beside))
                {
                    return key;
                }

                var certificate = SshCertificate.TryParse(PublicKeyFile.TryReadLine(beside));
                if (certificate == null || !certificate.PublicKey.SequenceEqual(key.PublicKeyBlob))
                {
                    // ssh ignores such a file too; say so, since the user may have meant it.
                    log($"Ignoring '{beside}': it is not a certificate for the key '{key.Path}'.");
                    return key;
                }

                chosen = (beside, certificate);
            }

            var problem = Problem(chosen.Certificate, nowUtc);
            if (problem != null)
            {
                var error = Invalid(computerName, chosen.Path, chosen.Certificate, problem, nowUtc);
                if (named)
                {
                    throw error;
                }

                log($"Not offering the certificate '{chosen.Path}': {error.Message}");
                return key;
            }

            log($"Offering the certificate '{chosen.Path}' ({Describe(chosen.Certificate)}) with the key '{key.Path}'.");
            return key.WithCertificate(chosen.Certificate, chosen.Path);
        }

        /// <summary>Reads -CertificateFile / ssh_config CertificateFile files: each must be an OpenSSH certificate.</summary>
        public static List<(string Path, SshCertificate Certificate)> Load(IEnumerable<string> paths, string computerName)
        {
            var loaded = new List<(string, SshCertificate)>();
            foreach (var path in paths)
            {
                if (!File.Exists(path))
                {
                    throw new SentinelException(
                        ErrorIds.CertificateInvalid,
                        ErrorCategory.ObjectNotFound,
                        computerName,
                        $"The certificate file '{path}' does not exist.",
                        "Check the -CertificateFile path (or CertificateFile in ssh_config); ~ is expanded.");
                }

                var certificate = SshCertificate.TryParse(PublicKeyFile.TryReadLine(path));
                if (certificate == null)
                {
                    throw new SentinelException(
                        ErrorIds.CertificateInvalid,
                        ErrorCategory.InvalidData,
                        computerName,
                        $"The certificate file '{path}' is not an OpenSSH certificate Sentinel can read.",
                        "Pass the -cert.pub file that ssh-keygen -s wrote (check it with: ssh-keygen -L -f <file>).");
                }

                loaded.Add((path, certificate));
            }

            return loaded;
        }

        /// <summary>
        /// A named certificate that certifies none of the keys offered is a mistake worth an error. One
        /// whose key the ssh-agent holds is left to the agent, which offers the certificate when it holds
        /// it too (ssh-add adds <c>&lt;key&gt;-cert.pub</c> with the key).
        /// </summary>
        public static void RequirePaired(IReadOnlyList<(string Path, SshCertificate Certificate)> certificateFiles, IReadOnlyList<IPrivateKey> keys, IReadOnlyList<byte[]> agentBlobs, string computerName, Action<string> log)
        {
            foreach (var (path, certificate) in certificateFiles)
            {
                if (agentBlobs.Any(b => b.SequenceEqual(certificate.PublicKey)))
                {
                    log($"The certificate '{path}' certifies a key the ssh-agent holds: it is offered only if the agent holds the certificate too (ssh-add adds it with the key).");
                }
                else if (!keys.Any(k => certificate.PublicKey.SequenceEqual(k.PublicKeyBlob)))
                {
                    throw new SentinelException(
                        ErrorIds.CertificateInvalid,
                        ErrorCategory.InvalidArgument,
                        computerName,
                        $"The certificate '{path}' ({Describe(certificate)}) certifies the key {SshKeyBlob.KeyType(certificate.PublicKey)} {Fingerprint.Sha256(certificate.PublicKey)}, which is none of the key files offered ({(keys.Count == 0 ? "none" : string.Join(", ", keys.Select(k => $"'{k.Path}'")))}).",
                        "Pass the certificate's private key with -KeyFile (or IdentityFile in ssh_config).");
                }
            }
        }

        /// <summary>
        /// Whether an agent identity may be offered: a plain key always, a certificate only when it is a
        /// user certificate valid now (an expired one is skipped with a log line, as it cannot log in).
        /// </summary>
        public static bool UsableFromAgent(AgentIdentity identity, DateTime nowUtc, Action<string> log)
        {
            if (!identity.IsCertificate)
            {
                return true;
            }

            var certificate = SshCertificate.TryParse(identity.Blob);
            var problem = certificate == null ? "it is not a certificate Sentinel can read" : Problem(certificate, nowUtc);
            if (problem == null)
            {
                return true;
            }

            log($"Not offering the ssh-agent's certificate {identity.Description}: {problem}.");
            return false;
        }

        /// <summary>How a key file is named among the methods offered, in logs and authentication errors.</summary>
        public static string Offered(IPrivateKey key) => key.Certificate == null
            ? $"publickey {key.KeyType} {key.Path}"
            : $"certificate {key.Certificate.Type} ({Describe(key.Certificate)}) '{key.CertificatePath}' with {key.Path}";

        /// <summary>"key id 'alice', serial 7, principals sentinel, valid from ... to ..."</summary>
        public static string Describe(SshCertificate certificate)
            => $"key id '{certificate.KeyId}', serial {certificate.Serial}, principals {certificate.PrincipalList}, valid {certificate.ValidityWindow}";

        private static string? Problem(SshCertificate certificate, DateTime nowUtc)
        {
            if (certificate.Kind != SshCertificateKind.User)
            {
                return "it is a host certificate, not a user certificate";
            }

            if (certificate.IsValidAt(nowUtc))
            {
                return null;
            }

            return nowUtc < certificate.ValidAfter ? "it is not yet valid" : "it has expired";
        }

        private static SentinelException Invalid(string computerName, string path, SshCertificate certificate, string problem, DateTime nowUtc) => new SentinelException(
            ErrorIds.CertificateInvalid,
            ErrorCategory.AuthenticationError,
            computerName,
            $"The certificate '{path}' (key id '{certificate.KeyId}') cannot be used: {problem}. It is valid {certificate.ValidityWindow}; now is {nowUtc:yyyy-MM-dd HH:mm:ss}Z. Sentinel did not connect.",
            "Get a fresh certificate from your CA (ssh-keygen -s, or your CA's client), or check this machine's clock.");
    }
}
