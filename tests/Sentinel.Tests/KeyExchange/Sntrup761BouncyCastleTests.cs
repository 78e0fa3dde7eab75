using System;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;
using Sentinel.Ssh;
using Xunit;

namespace Sentinel.Tests.KeyExchange
{
    /// <summary>
    /// Sentinel's sntrup761 against BouncyCastle's (the implementation SSH.NET ships): each side's
    /// encapsulation opens on the other side to the same key, and both generate the same key pair from the
    /// same random bytes.
    /// </summary>
    public sealed class Sntrup761BouncyCastleTests
    {
        [Fact]
        public void OurDecapsulationOpensBouncyCastlesEncapsulation()
        {
            var publicKey = new byte[Sntrup761.PublicKeyBytes];
            var secretKey = new byte[Sntrup761.SecretKeyBytes];
            Sntrup761.KeyPair(publicKey, secretKey, Sntrup761.SystemRandom);

            var theirs = new SNtruPrimeKemGenerator(new SecureRandom()).GenerateEncapsulated(new SNtruPrimePublicKeyParameters(SNtruPrimeParameters.sntrup761, publicKey));
            var key = new byte[Sntrup761.SharedSecretBytes];
            Sntrup761.Decapsulate(key, theirs.GetEncapsulation(), secretKey);

            Assert.Equal(Convert.ToHexString(theirs.GetSecret()), Convert.ToHexString(key));
        }

        [Fact]
        public void BouncyCastleOpensOurEncapsulation()
        {
            var generator = new SNtruPrimeKeyPairGenerator();
            generator.Init(new SNtruPrimeKeyGenerationParameters(new SecureRandom(), SNtruPrimeParameters.sntrup761));
            var pair = generator.GenerateKeyPair();

            var ciphertext = new byte[Sntrup761.CiphertextBytes];
            var key = new byte[Sntrup761.SharedSecretBytes];
            Sntrup761.Encapsulate(ciphertext, key, ((SNtruPrimePublicKeyParameters)pair.Public).GetEncoded(), Sntrup761.SystemRandom);

            var theirs = new SNtruPrimeKemExtractor((SNtruPrimePrivateKeyParameters)pair.Private).ExtractSecret(ciphertext);
            Assert.Equal(Convert.ToHexString(key), Convert.ToHexString(theirs));
        }

        [Fact]
        public void BothGenerateTheSameKeyPairFromTheSameRandomBytes()
        {
            var ours = new Sntrup761KnownAnswerTests.SplitMix64Bytes(7);
            var publicKey = new byte[Sntrup761.PublicKeyBytes];
            var secretKey = new byte[Sntrup761.SecretKeyBytes];
            Sntrup761.KeyPair(publicKey, secretKey, ours.Fill);

            var generator = new SNtruPrimeKeyPairGenerator();
            generator.Init(new SNtruPrimeKeyGenerationParameters(new SecureRandom(new StreamGenerator(new Sntrup761KnownAnswerTests.SplitMix64Bytes(7))), SNtruPrimeParameters.sntrup761));
            var pair = generator.GenerateKeyPair();

            Assert.Equal(Convert.ToHexString(((SNtruPrimePublicKeyParameters)pair.Public).GetEncoded()), Convert.ToHexString(publicKey));
            Assert.Equal(Convert.ToHexString(((SNtruPrimePrivateKeyParameters)pair.Private).GetEncoded()), Convert.ToHexString(secretKey));
        }

        /// <summary>BouncyCastle's random source fed from the known-answer tests' byte stream.</summary>
        private sealed class StreamGenerator : IRandomGenerator
        {
            private readonly Sntrup761KnownAnswerTests.SplitMix64Bytes _stream;

            public StreamGenerator(Sntrup761KnownAnswerTests.SplitMix64Bytes stream) => _stream = stream;

            public void AddSeedMaterial(byte[] seed)
            {
            }

            public void AddSeedMaterial(ReadOnlySpan<byte> seed)
            {
            }

            public void AddSeedMaterial(long seed)
            {
            }

            public void NextBytes(byte[] bytes) => _stream.Fill(bytes);

            public void NextBytes(byte[] bytes, int start, int len)
            {
                var part = new byte[len];
                _stream.Fill(part);
                Buffer.BlockCopy(part, 0, bytes, start, len);
            }

            public void NextBytes(Span<byte> bytes)
            {
                var part = new byte[bytes.Length];
                _stream.Fill(part);
                part.CopyTo(bytes);
            }
        }
    }
}
