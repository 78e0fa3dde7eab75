using System;
using System.Security.Cryptography;

namespace Sentinel.HostKeys
{
    internal static class Fingerprint
    {
        /// <summary>OpenSSH's form: <c>SHA256:</c> and unpadded base64 of the key blob's SHA-256.</summary>
        public static string Sha256(byte[] keyBlob)
        {
            using (var sha = SHA256.Create())
            {
                return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(keyBlob)).TrimEnd('=');
            }
        }
    }
}
