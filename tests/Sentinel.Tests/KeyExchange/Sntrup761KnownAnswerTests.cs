using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Sentinel.Ssh;
using Xunit;

namespace Sentinel.Tests.KeyExchange
{
    /// <summary>
    /// Sentinel's sntrup761 against vectors from the reference C code OpenSSH ships (sntrup761-kat.txt says
    /// how they were made): the same random bytes must give the same keys, ciphertext and shared key byte
    /// for byte, on the vector path and the scalar one (.NET Framework's), and a tampered ciphertext must
    /// give the reference's implicit-rejection key.
    /// </summary>
    public sealed class Sntrup761KnownAnswerTests
    {
        public static IEnumerable<object[]> Vectors()
            => from seed in Load().Keys
               from scalar in new[] { false, true }
               select new object[] { seed, scalar };

        [Theory]
        [MemberData(nameof(Vectors))]
        public void KeyPairMatchesTheReference(string seed, bool scalar)
        {
            var vector = Load()[seed];
            var random = new SplitMix64Bytes(ParseSeed(seed));
            var publicKey = new byte[Sntrup761.PublicKeyBytes];
            var secretKey = new byte[Sntrup761.SecretKeyBytes];

            Sntrup761.KeyPair(publicKey, secretKey, random.Fill, scalar);

            Assert.Equal(Hex(vector["pk"]), Hex(publicKey));
            Assert.Equal(Hex(vector["sk"]), Hex(secretKey));
        }

        [Theory]
        [MemberData(nameof(Vectors))]
        public void EncapsulationMatchesTheReference(string seed, bool scalar)
        {
            var vector = Load()[seed];
            var random = new SplitMix64Bytes(ParseSeed(seed));
            Sntrup761.KeyPair(new byte[Sntrup761.PublicKeyBytes], new byte[Sntrup761.SecretKeyBytes], random.Fill, scalar);
            var ciphertext = new byte[Sntrup761.CiphertextBytes];
            var key = new byte[Sntrup761.SharedSecretBytes];

            // The harness encapsulates right after key generation, on the same random stream.
            Sntrup761.Encapsulate(ciphertext, key, vector["pk"], random.Fill, scalar);

            Assert.Equal(Hex(vector["ct"]), Hex(ciphertext));
            Assert.Equal(Hex(vector["k"]), Hex(key));
        }

        [Theory]
        [MemberData(nameof(Vectors))]
        public void DecapsulationMatchesTheReference(string seed, bool scalar)
        {
            var vector = Load()[seed];
            var key = new byte[Sntrup761.SharedSecretBytes];

            Sntrup761.Decapsulate(key, vector["ct"], vector["sk"], scalar);

            Assert.Equal(Hex(vector["k"]), Hex(key));
        }

        [Theory]
        [MemberData(nameof(Vectors))]
        public void TamperedCiphertextGivesTheReferenceRejectionKey(string seed, bool scalar)
        {
            var vector = Load()[seed];
            var key = new byte[Sntrup761.SharedSecretBytes];

            var firstFlipped = (byte[])vector["ct"].Clone();
            firstFlipped[0] ^= 0x01;
            Sntrup761.Decapsulate(key, firstFlipped, vector["sk"], scalar);
            Assert.Equal(Hex(vector["k_ct0_flipped"]), Hex(key));
            Assert.NotEqual(Hex(vector["k"]), Hex(key));

            // The last byte belongs to the confirmation hash, not to the rounded polynomial.
            var lastFlipped = (byte[])vector["ct"].Clone();
            lastFlipped[Sntrup761.CiphertextBytes - 1] ^= 0x80;
            Sntrup761.Decapsulate(key, lastFlipped, vector["sk"], scalar);
            Assert.Equal(Hex(vector["k_ctlast_flipped"]), Hex(key));
        }

        private static ulong ParseSeed(string seed)
            => seed.StartsWith("0x", StringComparison.Ordinal) ? ulong.Parse(seed.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) : ulong.Parse(seed, CultureInfo.InvariantCulture);

        private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

        private static Dictionary<string, Dictionary<string, byte[]>> Load()
        {
            var vectors = new Dictionary<string, Dictionary<string, byte[]>>();
            Dictionary<string, byte[]>? current = null;
            foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "KeyExchange", "sntrup761-kat.txt")))
            {
                if (line.StartsWith("#", StringComparison.Ordinal) || line.Trim().Length == 0)
                {
                    continue;
                }

                var parts = line.Split(new[] { " = " }, 2, StringSplitOptions.None);
                if (parts[0] == "seed")
                {
                    current = new Dictionary<string, byte[]>();
                    vectors.Add(parts[1], current);
                }
                else
                {
                    current![parts[0]] = Convert.FromHexString(parts[1]);
                }
            }

            Assert.Equal(4, vectors.Count);
            return vectors;
        }

        /// <summary>The harness's randombytes: splitmix64 outputs, little-endian, as one byte stream.</summary>
        internal sealed class SplitMix64Bytes
        {
            private readonly byte[] _block = new byte[8];
            private ulong _state;
            private int _used = 8;

            public SplitMix64Bytes(ulong seed) => _state = seed;

            public void Fill(byte[] buffer)
            {
                for (var i = 0; i < buffer.Length; i++)
                {
                    if (_used == 8)
                    {
                        var z = _state += 0x9E3779B97F4A7C15UL;
                        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                        z ^= z >> 31;
                        BitConverter.TryWriteBytes(_block, z);
                        if (!BitConverter.IsLittleEndian)
                        {
                            Array.Reverse(_block);
                        }

                        _used = 0;
                    }

                    buffer[i] = _block[_used++];
                }
            }
        }
    }
}
