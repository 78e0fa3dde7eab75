using System;
using System.Reflection;
using Org.BouncyCastle.Math.EC.Rfc8032;
using Sentinel.Transport;

namespace Sentinel.Ssh
{
    /// <summary>
    /// ed25519 from BouncyCastle (SSH.NET's own dependency) and bcrypt_pbkdf from SSH.NET, which uses it
    /// to decrypt OpenSSH keys but keeps its BCrypt class internal: it is reached by reflection
    /// (<see cref="SshNetInternals"/>) and checked by the key-format unit tests
    /// (a key encrypted here must equal, byte for byte, what ssh-keygen wrote with the same inputs).
    /// </summary>
    internal sealed class SshNetKeyPrimitives : IKeyPrimitives
    {
        public byte[] Ed25519PublicKey(byte[] seed)
        {
            if (seed.Length != Ed25519.SecretKeySize)
            {
                throw new ArgumentException("An ed25519 seed is 32 bytes.", nameof(seed));
            }

            var publicKey = new byte[Ed25519.PublicKeySize];
            Ed25519.GeneratePublicKey(seed, 0, publicKey, 0);
            return publicKey;
        }

        public byte[] BcryptPbkdf(byte[] passphrase, byte[] salt, int rounds, int length)
        {
            var bcrypt = SshNetInternals.BCrypt;
            var pbkdf = SshNetInternals.BCryptPbkdf;
            if (bcrypt == null || pbkdf == null)
            {
                throw new NotSupportedException("This SSH.NET build has no bcrypt_pbkdf (Renci.SshNet.Security.Cryptography.BCrypt.Pbkdf); encrypted key files cannot be written.");
            }

            var output = new byte[length];
            try
            {
                pbkdf.Invoke(Activator.CreateInstance(bcrypt, nonPublic: true), new object[] { passphrase, salt, rounds, output });
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                throw e.InnerException;
            }

            return output;
        }
    }
}
