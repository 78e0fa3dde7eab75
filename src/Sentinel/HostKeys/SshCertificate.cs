using System;
using System.Collections.Generic;
using System.Globalization;

namespace Sentinel.HostKeys
{
    internal enum SshCertificateKind
    {
        User = 1,
        Host = 2,
    }

    /// <summary>
    /// An OpenSSH certificate (PROTOCOL.certkeys), parsed from its wire blob. The blob comes from a
    /// <c>-cert.pub</c> file, an ssh-agent or a server, so it is parsed as hostile: every read is bounded
    /// by <see cref="SshWireReader"/> and anything that is not a well-formed certificate reads as null.
    /// </summary>
    internal sealed class SshCertificate
    {
        /// <summary>valid before = 2^64-1 means "forever" (ssh-keygen's -V default).</summary>
        private const ulong Forever = ulong.MaxValue;

        private SshCertificate(byte[] blob, string type, byte[] nonce, byte[] publicKey, ulong serial, SshCertificateKind kind, string keyId, IReadOnlyList<string> principals, ulong validAfter, ulong validBefore, IReadOnlyList<string> criticalOptions, IReadOnlyList<string> extensions, byte[] signatureKey, string signatureAlgorithm)
        {
            Blob = blob;
            Type = type;
            Nonce = nonce;
            PublicKey = publicKey;
            Serial = serial;
            Kind = kind;
            KeyId = keyId;
            Principals = principals;
            ValidAfterSeconds = validAfter;
            ValidBeforeSeconds = validBefore;
            CriticalOptions = criticalOptions;
            Extensions = extensions;
            SignatureKey = signatureKey;
            SignatureAlgorithm = signatureAlgorithm;
        }

        /// <summary>The whole certificate in SSH wire format, as parsed.</summary>
        public byte[] Blob { get; }

        /// <summary>The certificate type: <c>ssh-ed25519-cert-v01@openssh.com</c>...</summary>
        public string Type { get; }

        public byte[] Nonce { get; }

        /// <summary>The certified key as a plain public-key blob (<c>ssh-ed25519</c> and its fields).</summary>
        public byte[] PublicKey { get; }

        public ulong Serial { get; }

        public SshCertificateKind Kind { get; }

        public string KeyId { get; }

        /// <summary>User names or host names the certificate is valid for; empty means any (OpenSSH: for a user cert, none is accepted by sshd).</summary>
        public IReadOnlyList<string> Principals { get; }

        /// <summary>Seconds since the Unix epoch.</summary>
        public ulong ValidAfterSeconds { get; }

        /// <summary>Seconds since the Unix epoch; <see cref="ulong.MaxValue"/> is forever.</summary>
        public ulong ValidBeforeSeconds { get; }

        /// <summary>Names of the critical options (force-command, source-address...).</summary>
        public IReadOnlyList<string> CriticalOptions { get; }

        /// <summary>Names of the extensions (permit-pty...).</summary>
        public IReadOnlyList<string> Extensions { get; }

        /// <summary>The CA's public-key blob.</summary>
        public byte[] SignatureKey { get; }

        /// <summary>The algorithm of the CA's signature (<c>ssh-ed25519</c>, <c>rsa-sha2-512</c>, the SHA-1 <c>ssh-rsa</c>...).</summary>
        public string SignatureAlgorithm { get; }

        public DateTime ValidAfter => ToUtc(ValidAfterSeconds);

        /// <summary>The end of validity in UTC; <see cref="DateTime.MaxValue"/> for a certificate valid forever.</summary>
        public DateTime ValidBefore => ToUtc(ValidBeforeSeconds);

        /// <summary>True when <paramref name="nowUtc"/> is inside [valid after, valid before), as sshkey_cert_check_authority.</summary>
        public bool IsValidAt(DateTime nowUtc)
        {
            var now = (ulong)Math.Max(0, (nowUtc - Epoch).Ticks / TimeSpan.TicksPerSecond);
            return now >= ValidAfterSeconds && now < ValidBeforeSeconds;
        }

        /// <summary>"from 2026-01-01 00:00:00Z to 2026-01-02 00:00:00Z" (or "to forever").</summary>
        public string ValidityWindow => $"from {Format(ValidAfterSeconds)} to {(ValidBeforeSeconds == Forever ? "forever" : Format(ValidBeforeSeconds))}";

        public string PrincipalList => Principals.Count == 0 ? "(none)" : string.Join(", ", Principals);

        private static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        private static DateTime ToUtc(ulong seconds) => seconds >= (ulong)(DateTime.MaxValue - Epoch).TotalSeconds ? DateTime.MaxValue : Epoch.AddSeconds(seconds);

        private static string Format(ulong seconds) => ToUtc(seconds).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        /// <summary>The certificate in <paramref name="blob"/>, or null when it is not a well-formed OpenSSH v01 certificate.</summary>
        public static SshCertificate? TryParse(byte[]? blob)
        {
            var type = SshKeyBlob.KeyType(blob);
            if (type == null || !SshKeyBlob.IsCertificate(type))
            {
                return null;
            }

            try
            {
                var reader = new SshWireReader(blob!);
                reader.ReadBytes();
                var nonce = reader.ReadBytes();
                var keyStart = reader.Position;
                var plainType = SshKeyBlob.PlainKeyType(type);
                if (!SkipKeyFields(reader, plainType))
                {
                    return null;
                }

                var publicKey = PlainKey(plainType, blob!, keyStart, reader.Position - keyStart);
                var serial = reader.ReadUInt64();
                var kind = reader.ReadUInt32();
                if (kind != (uint)SshCertificateKind.User && kind != (uint)SshCertificateKind.Host)
                {
                    return null;
                }

                var keyId = reader.ReadString();
                var principals = Strings(reader.ReadBytes(), namesOnly: false);
                var validAfter = reader.ReadUInt64();
                var validBefore = reader.ReadUInt64();
                var critical = Strings(reader.ReadBytes(), namesOnly: true);
                var extensions = Strings(reader.ReadBytes(), namesOnly: true);
                reader.ReadBytes(); // reserved
                var signatureKey = reader.ReadBytes();
                var signatureAlgorithm = SshKeyBlob.KeyType(reader.ReadBytes());
                if (reader.Remaining != 0 || SshKeyBlob.KeyType(signatureKey) == null || signatureAlgorithm == null || critical == null || extensions == null || principals == null)
                {
                    return null;
                }

                return new SshCertificate(blob!, type, nonce, publicKey, serial, (SshCertificateKind)kind, keyId, principals, validAfter, validBefore, critical, extensions, signatureKey, signatureAlgorithm);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        /// <summary>Reads past the certified key's own fields (PROTOCOL.certkeys); false for a key type it does not know.</summary>
        private static bool SkipKeyFields(SshWireReader reader, string plainType)
        {
            int fields;
            switch (plainType)
            {
                case "ssh-rsa": fields = 2; break; // e, n
                case "ssh-dss": fields = 4; break; // p, q, g, y
                case "ecdsa-sha2-nistp256":
                case "ecdsa-sha2-nistp384":
                case "ecdsa-sha2-nistp521": fields = 2; break; // curve, point
                case "ssh-ed25519": fields = 1; break;
                case "sk-ecdsa-sha2-nistp256@openssh.com": fields = 3; break; // curve, point, application
                case "sk-ssh-ed25519@openssh.com": fields = 2; break; // key, application
                default: return false;
            }

            for (var i = 0; i < fields; i++)
            {
                reader.ReadBytes();
            }

            return true;
        }

        private static byte[] PlainKey(string plainType, byte[] blob, int offset, int count)
        {
            var name = System.Text.Encoding.ASCII.GetBytes(plainType);
            var key = new byte[4 + name.Length + count];
            key[0] = (byte)(name.Length >> 24);
            key[1] = (byte)(name.Length >> 16);
            key[2] = (byte)(name.Length >> 8);
            key[3] = (byte)name.Length;
            Buffer.BlockCopy(name, 0, key, 4, name.Length);
            Buffer.BlockCopy(blob, offset, key, 4 + name.Length, count);
            return key;
        }

        /// <summary>
        /// A packed list of strings (principals), or of name/data pairs (options, extensions: only the
        /// names are kept); null when the packing is broken.
        /// </summary>
        private static List<string>? Strings(byte[] packed, bool namesOnly)
        {
            var reader = new SshWireReader(packed);
            var names = new List<string>();
            try
            {
                while (reader.Remaining > 0)
                {
                    names.Add(reader.ReadString());
                    if (namesOnly)
                    {
                        reader.ReadBytes();
                    }
                }
            }
            catch (FormatException)
            {
                return null;
            }

            return names;
        }
    }
}
