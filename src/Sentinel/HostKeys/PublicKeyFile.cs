using System;
using System.IO;
using System.Text;

namespace Sentinel.HostKeys
{
    /// <summary>
    /// Reads OpenSSH public-key lines (<c>type base64 [comment]</c>): a key's <c>.pub</c> file and a
    /// certificate's <c>-cert.pub</c> file. Files are bounded in size and parsed as untrusted; anything
    /// that is not such a line reads as null.
    /// </summary>
    internal static class PublicKeyFile
    {
        private const int MaxBytes = 64 * 1024;
        private static readonly char[] Blanks = { ' ', '\t' };

        /// <summary>The public key of the private key file at <paramref name="privateKeyPath"/>, from <c>&lt;path&gt;.pub</c>; null when there is none.</summary>
        public static byte[]? TryRead(string privateKeyPath) => TryReadLine(privateKeyPath + ".pub");

        /// <summary>The blob of the first line of <paramref name="path"/>, or null when the file is missing, unreadable or not a public-key line.</summary>
        public static byte[]? TryReadLine(string path)
        {
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists || info.Length == 0 || info.Length > MaxBytes)
                {
                    return null;
                }

                return Parse(Encoding.UTF8.GetString(File.ReadAllBytes(path)));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is System.Security.SecurityException)
            {
                return null;
            }
        }

        /// <summary>The blob of a public-key line, when its type field names the type inside the blob.</summary>
        public static byte[]? Parse(string text)
        {
            var line = text.TrimStart('\uFEFF').Split('\n')[0].Trim();
            var fields = line.Split(Blanks, 3, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                return null;
            }

            try
            {
                var blob = Convert.FromBase64String(fields[1]);
                return SshKeyBlob.KeyType(blob) == fields[0] ? blob : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
