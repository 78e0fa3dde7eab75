using Sentinel.HostKeys;

namespace Sentinel.Agent
{
    /// <summary>One key (or certificate) an ssh-agent holds: its public blob and comment.</summary>
    internal sealed class AgentIdentity
    {
        private AgentIdentity(byte[] blob, string keyType, string comment)
        {
            Blob = blob;
            KeyType = keyType;
            Comment = comment;
            Fingerprint = HostKeys.Fingerprint.Sha256(blob);
        }

        /// <summary>The public key (or certificate) in SSH wire format.</summary>
        public byte[] Blob { get; }

        /// <summary>The type the blob names: <c>ssh-ed25519</c>, <c>ssh-rsa</c>, <c>ssh-ed25519-cert-v01@openssh.com</c>...</summary>
        public string KeyType { get; }

        public string Comment { get; }

        public string Fingerprint { get; }

        public bool IsCertificate => SshKeyBlob.IsCertificate(KeyType);

        /// <summary>What messages call it: type, fingerprint and comment (the comment is the agent's, so it is kept printable).</summary>
        public string Description => $"{KeyType} {Fingerprint} {Printable(Comment)}".TrimEnd();

        /// <summary>The identity, or null when the blob is not a public key (skipped, as ssh skips it).</summary>
        public static AgentIdentity? FromBlob(byte[] blob, string comment)
        {
            var keyType = SshKeyBlob.KeyType(blob);
            return keyType == null ? null : new AgentIdentity(blob, keyType, comment);
        }

        private static string Printable(string text)
        {
            var chars = text.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (char.IsControl(chars[i]))
                {
                    chars[i] = '?';
                }
            }

            var printable = new string(chars);
            return printable.Length > 100 ? printable.Substring(0, 100) + "..." : printable;
        }
    }
}
