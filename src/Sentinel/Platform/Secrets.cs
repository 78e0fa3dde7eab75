using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;

namespace Sentinel.Platform
{
    /// <summary>Unwraps SecureStrings at the last moment: for the SSH library calls and the sudo stdin write that need the secret.</summary>
    internal static class Secrets
    {
        /// <summary>UTF-8 bytes of the secret; the caller clears the array when done with it.</summary>
        public static byte[] ToUtf8(SecureString secret)
        {
            var text = ToUnsecureString(secret);
            return Encoding.UTF8.GetBytes(text);
        }

        /// <summary>The secret as a string, for the APIs that accept nothing else (key passphrases).</summary>
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
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }
}
