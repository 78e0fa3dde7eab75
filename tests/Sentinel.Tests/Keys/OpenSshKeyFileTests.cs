using System;
using System.IO;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using Sentinel.Errors;
using Sentinel.Keys;
using Sentinel.Module;
using Xunit;

namespace Sentinel.Tests.Keys
{
    /// <summary>
    /// The key file format against ssh-keygen's own output: the same seed, comment and random values
    /// (checkint, salt, rounds) read back from a file ssh-keygen wrote must give the same bytes.
    /// </summary>
    public sealed class OpenSshKeyFileTests
    {
        // ssh-keygen -t ed25519 -N '' -C vector@sentinel (OpenSSH 9.2), a throwaway test key.
        private const string Plain = @"-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDweNGC3JqPRAbfEVSH1X89MUkwOxPkXUKmPenOW2x9ggAAAJjdCBbY3QgW
2AAAAAtzc2gtZWQyNTUxOQAAACDweNGC3JqPRAbfEVSH1X89MUkwOxPkXUKmPenOW2x9gg
AAAEB5LizFxzCRUzL4Y1lW50lEIwbZSAlSCX/0uzFoeWm04fB40YLcmo9EBt8RVIfVfz0x
STA7E+RdQqY96c5bbH2CAAAAD3ZlY3RvckBzZW50aW5lbAECAwQFBg==
-----END OPENSSH PRIVATE KEY-----
";

        private const string PublicLine = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C vector@sentinel";

        // The same key after ssh-keygen -p -N 'correct horse battery' (aes256-ctr, bcrypt, 16 rounds in 9.2).
        private const string Encrypted = @"-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABA1xedIwl
AMeFlevoaEqC5EAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8R
VIfVfz0xSTA7E+RdQqY96c5bbH2CAAAAoIYw79ZAJpUyZWLggoS1FUcKJWz+iSy0NLljwl
sy1byV6khgbaRGuXzeCGt2jOL7khvEA5MZ0TS+rI3wlfnI8cjIuaOhubQszbRA7OQwxiFf
3SHGhffbiMYkBxxZPq26fz0iZESUbQ2HYFbbQwFI4f4gRfZ5Cg7M6FC8qjYkuiCpq4D4Pt
xMfOxWbdVJLB2kUJlgEtC1rIZlJ62tN7oMaNM=
-----END OPENSSH PRIVATE KEY-----
";

        private const string Passphrase = "correct horse battery";

        [Fact]
        public void AnUnencryptedKeyIsByteForByteWhatSshKeygenWrote()
        {
            var file = KeyFileReader.Read(Plain, null);
            var publicKey = SshAdapterLoader.KeyPrimitives.Ed25519PublicKey(file.Seed);
            Assert.Equal(file.PublicKey, publicKey);

            var written = OpenSshKeyFile.PrivateFile(file.Seed, publicKey, file.Comment, null, new KeyFileNonces(file.CheckInt, new byte[16], 24), SshAdapterLoader.KeyPrimitives);
            Assert.Equal(Plain.Replace("\r\n", "\n"), written);
            Assert.Equal(PublicLine, OpenSshKeyFile.PublicLine(publicKey, file.Comment));
            Assert.Equal("vector@sentinel", file.Comment);
        }

        [Fact]
        public void AnEncryptedKeyIsByteForByteWhatSshKeygenWrote()
        {
            var passphrase = Encoding.UTF8.GetBytes(Passphrase);
            var file = KeyFileReader.Read(Encrypted, passphrase);
            Assert.Equal(16, file.Rounds);

            var written = OpenSshKeyFile.PrivateFile(file.Seed, file.PublicKey, file.Comment, passphrase, new KeyFileNonces(file.CheckInt, file.Salt, file.Rounds), SshAdapterLoader.KeyPrimitives);
            Assert.Equal(Encrypted.Replace("\r\n", "\n"), written);
        }

        [Fact]
        public void TheFingerprintIsSshKeygensForTheSameKey()
        {
            var file = KeyFileReader.Read(Plain, null);

            // ssh-keygen -l -f vector.pub
            Assert.Equal("SHA256:USjwJqUy6Iicdws9nN4gyedWJdlK0929nyZRTaGFwtg", OpenSshKeyFile.Fingerprint(file.PublicKey));
        }

        [Theory]
        [InlineData("")]
        [InlineData("a")]
        [InlineData("ops@bastion.example")]
        [InlineData("seventeen chars!!")]
        [InlineData("ünïcödé comment")]
        public void EveryCommentLengthIsPaddedToTheBlockAndReadsBack(string comment)
        {
            var seed = OpenSshKeyFile.NewSeed();
            var publicKey = SshAdapterLoader.KeyPrimitives.Ed25519PublicKey(seed);
            foreach (var passphrase in new[] { null, Encoding.UTF8.GetBytes("pw") })
            {
                var text = OpenSshKeyFile.PrivateFile(seed, publicKey, comment, passphrase, KeyFileNonces.Random(), SshAdapterLoader.KeyPrimitives);
                var file = KeyFileReader.Read(text, passphrase);
                Assert.Equal(seed, file.Seed);
                Assert.Equal(publicKey, file.PublicKey);
                Assert.Equal(comment, file.Comment);
            }
        }

        [Fact]
        public void SshNetLoadsAGeneratedEncryptedKeyWithItsPassphraseAndRefusesAWrongOne()
        {
            var seed = OpenSshKeyFile.NewSeed();
            var publicKey = SshAdapterLoader.KeyPrimitives.Ed25519PublicKey(seed);
            var path = Path.Combine(Path.GetTempPath(), "sentinel-keytest-" + Guid.NewGuid().ToString("N"));
            try
            {
                File.WriteAllText(path, OpenSshKeyFile.PrivateFile(seed, publicKey, "t", Encoding.UTF8.GetBytes("right"), KeyFileNonces.Random(), SshAdapterLoader.KeyPrimitives));
                Assert.NotNull(SshAdapterLoader.Transport.LoadPrivateKey(path, Secure("right"), "host"));
                var wrong = Assert.Throws<SentinelException>(() => SshAdapterLoader.Transport.LoadPrivateKey(path, Secure("wrong"), "host"));
                Assert.Equal(ErrorIds.KeyPassphraseWrong, wrong.ErrorId);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void RandomNoncesDifferEachTime()
        {
            var a = KeyFileNonces.Random();
            var b = KeyFileNonces.Random();
            Assert.Equal(16, a.Salt.Length);
            Assert.Equal(OpenSshKeyFile.DefaultRounds, a.Rounds);
            Assert.False(a.Salt.SequenceEqual(b.Salt) && a.CheckInt == b.CheckInt);
        }

        private static SecureString Secure(string text)
        {
            var secure = new SecureString();
            foreach (var c in text)
            {
                secure.AppendChar(c);
            }

            return secure;
        }

        /// <summary>A test-side reader of openssh-key-v1 files (ed25519 only), independent of the writer.</summary>
        private sealed class KeyFileReader
        {
            private byte[] _data = new byte[0];
            private int _offset;

            public byte[] Seed { get; private set; } = new byte[0];

            public byte[] PublicKey { get; private set; } = new byte[0];

            public string Comment { get; private set; } = string.Empty;

            public uint CheckInt { get; private set; }

            public byte[] Salt { get; private set; } = new byte[0];

            public int Rounds { get; private set; }

            public static KeyFileReader Read(string text, byte[]? passphrase)
            {
                var lines = text.Replace("\r\n", "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal("-----BEGIN OPENSSH PRIVATE KEY-----", lines[0]);
                Assert.Equal("-----END OPENSSH PRIVATE KEY-----", lines[^1]);
                Assert.All(lines.Skip(1).Take(lines.Length - 3), line => Assert.Equal(70, line.Length));
                var reader = new KeyFileReader { _data = Convert.FromBase64String(string.Concat(lines.Skip(1).Take(lines.Length - 2))) };
                Assert.Equal("openssh-key-v1\0", Encoding.ASCII.GetString(reader.Bytes(15)));
                var cipher = Encoding.ASCII.GetString(reader.String());
                var kdf = Encoding.ASCII.GetString(reader.String());
                var options = new KeyFileReader { _data = reader.String() };
                Assert.Equal(1u, reader.UInt32());
                var publicBlob = reader.String();
                var body = reader.String();
                Assert.Equal(reader._data.Length, reader._offset);
                if (cipher == "aes256-ctr")
                {
                    Assert.Equal("bcrypt", kdf);
                    reader.Salt = options.String();
                    reader.Rounds = (int)options.UInt32();
                    var keyAndIv = SshAdapterLoader.KeyPrimitives.BcryptPbkdf(passphrase!, reader.Salt, reader.Rounds, 48);
                    body = AesCtr(keyAndIv, body);
                }
                else
                {
                    Assert.Equal("none", cipher);
                    Assert.Equal("none", kdf);
                    Assert.Empty(options._data);
                }

                Assert.Equal(0, body.Length % (cipher == "none" ? 8 : 16));
                var inner = new KeyFileReader { _data = body };
                var check = inner.UInt32();
                Assert.Equal(check, inner.UInt32());
                Assert.Equal("ssh-ed25519", Encoding.ASCII.GetString(inner.String()));
                var publicKey = inner.String();
                var secret = inner.String();
                Assert.Equal(publicKey, secret.Skip(32).ToArray());
                reader.Comment = Encoding.UTF8.GetString(inner.String());
                for (var pad = 1; inner._offset < body.Length; pad++)
                {
                    Assert.Equal(pad, body[inner._offset++]);
                }

                Assert.Equal(OpenSshKeyFile.PublicBlob(publicKey), publicBlob);
                reader.CheckInt = check;
                reader.PublicKey = publicKey;
                reader.Seed = secret.Take(32).ToArray();
                return reader;
            }

            private byte[] Bytes(int count)
            {
                var value = _data.Skip(_offset).Take(count).ToArray();
                Assert.Equal(count, value.Length);
                _offset += count;
                return value;
            }

            private uint UInt32()
            {
                var b = Bytes(4);
                return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
            }

            private byte[] String() => Bytes((int)UInt32());

            private static byte[] AesCtr(byte[] keyAndIv, byte[] data)
            {
                using var aes = Aes.Create();
                aes.Key = keyAndIv.Take(32).ToArray();
                var counter = keyAndIv.Skip(32).ToArray();
                var output = new byte[data.Length];
                var stream = new byte[16];
                for (var offset = 0; offset < data.Length; offset += 16)
                {
                    aes.EncryptEcb(counter, stream, PaddingMode.None);
                    for (var i = 0; i < 16 && offset + i < data.Length; i++)
                    {
                        output[offset + i] = (byte)(data[offset + i] ^ stream[i]);
                    }

                    var carry = new System.Numerics.BigInteger(counter, isUnsigned: true, isBigEndian: true) + 1;
                    var next = carry.ToByteArray(isUnsigned: true, isBigEndian: true);
                    counter = new byte[16];
                    Array.Copy(next, Math.Max(0, next.Length - 16), counter, Math.Max(0, 16 - next.Length), Math.Min(16, next.Length));
                }

                return output;
            }
        }
    }
}
