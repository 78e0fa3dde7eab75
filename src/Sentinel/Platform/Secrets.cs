using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;

namespace Sentinel.Platform
{
    /// <summary>Unwraps SecureStrings at the last moment: for the SSH library calls and the sudo stdin write that need the secret.</summary>
    internal static class Secrets
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false, false);

        /// <summary>
        /// UTF-8 bytes of the secret; the caller clears the array when done with it. Encoded straight
        /// from the unmanaged copy SecureString hands out, which is zeroed and freed here: the secret
        /// never becomes a managed string, which nothing could clear.
        /// </summary>
        public static unsafe byte[] ToUtf8(SecureString secret)
        {
            var pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
                var chars = (char*)pointer;
                var bytes = new byte[Utf8.GetByteCount(chars, secret.Length)];
                if (bytes.Length == 0)
                {
                    return bytes; // an empty array pins to a null pointer, which GetBytes refuses
                }

                fixed (byte* target = bytes)
                {
                    Utf8.GetBytes(chars, secret.Length, target, bytes.Length);
                }

                return bytes;
            }
            finally
            {
                if (pointer != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(pointer);
                }
            }
        }

        /// <summary>
        /// The secret as a managed string, which stays in memory until collected. Only for an API that
        /// accepts nothing else: SSH.NET's PrivateKeyFile takes the key passphrase as a string.
        /// Everything that can take bytes uses <see cref="ToUtf8"/>.
        /// </summary>
        public static string ToUnsecureString(SecureString secret)
        {
            var pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
                return Marshal.PtrToStringUni(pointer) ?? string.Empty;
            }
            finally
            {
                if (pointer != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(pointer);
                }
            }
        }
    }
}
