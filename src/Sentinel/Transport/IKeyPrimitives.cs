namespace Sentinel.Transport
{
    /// <summary>
    /// The two primitives key generation needs that netstandard2.0 lacks: ed25519 and OpenSSH's
    /// bcrypt_pbkdf. The SSH adapter implements them with the cryptography it ships, so no SSH.NET or
    /// BouncyCastle type reaches the engine; the OpenSSH key format itself is written by the engine.
    /// </summary>
    internal interface IKeyPrimitives
    {
        /// <summary>The 32-byte ed25519 public key of a 32-byte private seed (RFC 8032).</summary>
        byte[] Ed25519PublicKey(byte[] seed);

        /// <summary>OpenSSH's bcrypt_pbkdf: <paramref name="length"/> bytes from a passphrase, a salt and a number of rounds.</summary>
        byte[] BcryptPbkdf(byte[] passphrase, byte[] salt, int rounds, int length);
    }
}
