using System;
using System.Security.Cryptography;
using System.Text;
using Sentinel.Transport;

namespace Sentinel.Keys
{
    /// <summary>What goes into an OpenSSH key file besides the key: everything ssh-keygen draws at random.</summary>
    internal sealed class KeyFileNonces
    {
        public KeyFileNonces(uint checkInt, byte[] salt, int rounds)
        {
            CheckInt = checkInt;
            Salt = salt;
            Rounds = rounds;
        }

        /// <summary>The random number written twice before the key, so a wrong passphrase shows as a mismatch.</summary>
        public uint CheckInt { get; }

        /// <summary>bcrypt_pbkdf's salt (16 bytes, as ssh-keygen); unused without a passphrase.</summary>
        public byte[] Salt { get; }

        public int Rounds { get; }

        /// <summary>Fresh random values, as ssh-keygen draws them (16-byte salt, 24 rounds).</summary>
        public static KeyFileNonces Random()
        {
            var bytes = new byte[4 + OpenSshKeyFile.SaltLength];
            using (var random = RandomNumberGenerator.Create())
            {
                random.GetBytes(bytes);
            }

            var salt = new byte[OpenSshKeyFile.SaltLength];
            Array.Copy(bytes, 4, salt, 0, salt.Length);
            return new KeyFileNonces(BitConverter.ToUInt32(bytes, 0), salt, OpenSshKeyFile.DefaultRounds);
        }
    }

    /// <summary>
    /// Writes an ed25519 key pair the way ssh-keygen does (sshkey.c sshkey_private_to_blob2, PROTOCOL.key):
    /// the "openssh-key-v1" private file, unencrypted ("none") or encrypted with aes256-ctr under a key and
    /// IV from bcrypt_pbkdf, and the one-line public file. Given the same seed, comment, passphrase and
    /// nonces, the output is byte for byte what ssh-keygen writes.
    /// </summary>
    internal static class OpenSshKeyFile
    {
        public const string KeyType = "ssh-ed25519";
        public const int SaltLength = 16;
        public const int DefaultRounds = 24;
        public const int SeedLength = 32;

        private const string Magic = "openssh-key-v1\0";
        private const string Cipher = "aes256-ctr";
        private const string Kdf = "bcrypt";
        private const int AesKeyLength = 32;
        private const int AesBlockLength = 16;
        private const int UnencryptedBlockLength = 8;
        private const int LineLength = 70;

        /// <summary>A new random ed25519 seed.</summary>
        public static byte[] NewSeed()
        {
            var seed = new byte[SeedLength];
            using (var random = RandomNumberGenerator.Create())
            {
                random.GetBytes(seed);
            }

            return seed;
        }

        /// <summary>The public key in SSH wire format: string "ssh-ed25519", string key.</summary>
        public static byte[] PublicBlob(byte[] publicKey) => new SshWireWriter().String(KeyType).String(publicKey).ToArray();

        /// <summary>The public file's line, as ssh-keygen writes it (a newline follows in the file).</summary>
        public static string PublicLine(byte[] publicKey, string comment)
        {
            var line = KeyType + " " + Convert.ToBase64String(PublicBlob(publicKey));
            return comment.Length == 0 ? line : line + " " + comment;
        }

        public static string Fingerprint(byte[] publicKey) => HostKeys.Fingerprint.Sha256(PublicBlob(publicKey));

        /// <summary>
        /// The private key file's text. <paramref name="passphrase"/> null or empty writes it unencrypted,
        /// as ssh-keygen does with an empty passphrase.
        /// </summary>
        public static string PrivateFile(byte[] seed, byte[] publicKey, string comment, byte[]? passphrase, KeyFileNonces nonces, IKeyPrimitives primitives)
        {
            var encrypted = passphrase != null && passphrase.Length > 0;
            var secret = new byte[SeedLength + publicKey.Length];
            Array.Copy(seed, secret, SeedLength);
            Array.Copy(publicKey, 0, secret, SeedLength, publicKey.Length);

            var privatePart = new SshWireWriter()
                .UInt32(nonces.CheckInt)
                .UInt32(nonces.CheckInt)
                .String(KeyType)
                .String(publicKey)
                .String(secret)
                .String(comment);
            var blockLength = encrypted ? AesBlockLength : UnencryptedBlockLength;
            for (var pad = 1; privatePart.Length % blockLength != 0; pad++)
            {
                privatePart.Byte((byte)pad);
            }

            var plain = privatePart.ToArray();
            Array.Clear(secret, 0, secret.Length);
            byte[] body;
            var header = new SshWireWriter().Raw(Encoding.ASCII.GetBytes(Magic));
            if (encrypted)
            {
                var keyAndIv = primitives.BcryptPbkdf(passphrase!, nonces.Salt, nonces.Rounds, AesKeyLength + AesBlockLength);
                try
                {
                    body = AesCtr(keyAndIv, plain);
                }
                finally
                {
                    Array.Clear(keyAndIv, 0, keyAndIv.Length);
                    Array.Clear(plain, 0, plain.Length);
                }

                header.String(Cipher).String(Kdf).String(new SshWireWriter().String(nonces.Salt).UInt32((uint)nonces.Rounds).ToArray());
            }
            else
            {
                body = plain;
                header.String("none").String("none").String(Array.Empty<byte>());
            }

            var whole = header.UInt32(1).String(PublicBlob(publicKey)).String(body).ToArray();
            Array.Clear(body, 0, body.Length);
            return Armor(whole);
        }

        /// <summary>PEM-like armour with base64 lines of 70 characters, as sshbuf_dtob64 wraps them.</summary>
        private static string Armor(byte[] data)
        {
            var base64 = Convert.ToBase64String(data);
            var text = new StringBuilder("-----BEGIN OPENSSH PRIVATE KEY-----\n");
            for (var i = 0; i < base64.Length; i += LineLength)
            {
                text.Append(base64, i, Math.Min(LineLength, base64.Length - i)).Append('\n');
            }

            return text.Append("-----END OPENSSH PRIVATE KEY-----\n").ToString();
        }

        /// <summary>AES-256 in counter mode (the counter is the IV, a 128-bit big-endian number), from AES's single-block ECB.</summary>
        private static byte[] AesCtr(byte[] keyAndIv, byte[] data)
        {
            var key = new byte[AesKeyLength];
            var counter = new byte[AesBlockLength];
            Array.Copy(keyAndIv, key, AesKeyLength);
            Array.Copy(keyAndIv, AesKeyLength, counter, 0, AesBlockLength);
            var output = new byte[data.Length];
            var stream = new byte[AesBlockLength];
            using (var aes = Aes.Create())
            {
                aes.Mode = CipherMode.ECB;
                aes.Padding = PaddingMode.None;
                aes.Key = key;
                using (var encryptor = aes.CreateEncryptor())
                {
                    for (var offset = 0; offset < data.Length; offset += AesBlockLength)
                    {
                        encryptor.TransformBlock(counter, 0, AesBlockLength, stream, 0);
                        for (var i = 0; i < AesBlockLength && offset + i < data.Length; i++)
                        {
                            output[offset + i] = (byte)(data[offset + i] ^ stream[i]);
                        }

                        Increment(counter);
                    }
                }
            }

            Array.Clear(key, 0, key.Length);
            Array.Clear(stream, 0, stream.Length);
            return output;
        }

        private static void Increment(byte[] counter)
        {
            for (var i = counter.Length - 1; i >= 0; i--)
            {
                if (++counter[i] != 0)
                {
                    return;
                }
            }
        }
    }
}
