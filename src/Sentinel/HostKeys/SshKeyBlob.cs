using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Sentinel.HostKeys
{
    /// <summary>
    /// Reads what Sentinel needs from a public key in SSH wire format, and maps host-key algorithm
    /// names to the key types known_hosts stores. The blob comes from the server or from a
    /// known_hosts line, so it is parsed as hostile: every check is bounded, nothing throws.
    /// </summary>
    internal static class SshKeyBlob
    {
        private const string CertificateSuffix = "-cert-v01@openssh.com";

        // The longest type name in use is 40 characters (ecdsa-sha2-nistp521-cert-v01@openssh.com);
        // anything much longer is not a key.
        private const int MaxTypeNameLength = 64;

        /// <summary>
        /// The key type the blob names in its first SSH string (<c>ssh-rsa</c>, <c>ecdsa-sha2-nistp256</c>,
        /// <c>ssh-ed25519</c>, <c>ssh-ed25519-cert-v01@openssh.com</c>...), or null when the blob is not a key:
        /// too short, a length field past its end, an empty, overlong or non-printable name, or no key after it.
        /// </summary>
        public static string? KeyType(byte[]? blob)
        {
            if (blob == null || blob.Length < 4)
            {
                return null;
            }

            var length = ((uint)blob[0] << 24) | ((uint)blob[1] << 16) | ((uint)blob[2] << 8) | blob[3];
            if (length == 0 || length > MaxTypeNameLength || length >= (uint)(blob.Length - 4))
            {
                return null;
            }

            for (var i = 4; i < 4 + (int)length; i++)
            {
                if (blob[i] <= 0x20 || blob[i] >= 0x7f)
                {
                    return null;
                }
            }

            return Encoding.ASCII.GetString(blob, 4, (int)length);
        }

        /// <summary>
        /// The plain key type an algorithm name stands for, as OpenSSH's sshkey_type_plain: a signature
        /// algorithm names its key type (<c>rsa-sha2-512</c> is an <c>ssh-rsa</c> key) and a certificate
        /// type the key it certifies (<c>ssh-ed25519-cert-v01@openssh.com</c> is <c>ssh-ed25519</c>).
        /// </summary>
        public static string PlainKeyType(string algorithm)
        {
            var name = algorithm.EndsWith(CertificateSuffix, StringComparison.Ordinal)
                ? algorithm.Substring(0, algorithm.Length - CertificateSuffix.Length)
                : algorithm;
            return name == "rsa-sha2-256" || name == "rsa-sha2-512" ? "ssh-rsa" : name;
        }

        public static bool IsCertificate(string algorithm) => algorithm.EndsWith(CertificateSuffix, StringComparison.Ordinal);

        /// <summary>
        /// Host-key algorithms in OpenSSH's order (sshconnect2.c order_hostkeyalgs): those whose key type
        /// known_hosts already holds for the host first, then the rest, each group in the given order.
        /// So a host known by its ssh-rsa key is asked for rsa-sha2-512 and rsa-sha2-256 before a type
        /// Sentinel could not verify.
        /// </summary>
        public static IReadOnlyList<string> KnownTypesFirst(IEnumerable<string> algorithms, IEnumerable<string> knownKeyTypes)
        {
            var known = new HashSet<string>(knownKeyTypes.Select(PlainKeyType), StringComparer.Ordinal);
            var all = algorithms.ToList();
            return all.Where(a => known.Contains(PlainKeyType(a))).Concat(all.Where(a => !known.Contains(PlainKeyType(a)))).ToList();
        }
    }
}
