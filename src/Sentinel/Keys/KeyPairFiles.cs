using System;
using System.IO;
using System.Text;
using Sentinel.Errors;
using Sentinel.Platform;

namespace Sentinel.Keys
{
    /// <summary>
    /// Writes a key pair to disk as ssh-keygen leaves it: the private file mode 600 from before its first
    /// byte, the public file (path + ".pub") mode 644, a missing folder made with mode 700.
    /// </summary>
    internal static class KeyPairFiles
    {
        private const int PrivateMode = 0x180; // 0600
        private const int PublicMode = 0x1A4; // 0644
        private const int FolderMode = 0x1C0; // 0700

        public static string PublicPath(string path) => path + ".pub";

        /// <summary>Refuses (KeyFileExists) when either file exists, unless <paramref name="force"/>.</summary>
        public static void Write(string path, string privateText, string publicLine, bool force)
        {
            var publicPath = PublicPath(path);
            if (Directory.Exists(path) || Directory.Exists(publicPath))
            {
                throw KeyErrors.Unwritable(Directory.Exists(path) ? path : publicPath, new IOException("it is a folder"));
            }

            if (!force && (File.Exists(path) || File.Exists(publicPath)))
            {
                throw KeyErrors.FileExists(File.Exists(path) ? path : publicPath);
            }

            try
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
                if (!Directory.Exists(folder))
                {
                    Directory.CreateDirectory(folder);
                    UnixPermissions.TrySet(folder, FolderMode);
                }

                Replace(path, privateText, PrivateMode);
                Replace(publicPath, publicLine + "\n", PublicMode);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is ArgumentException)
            {
                throw KeyErrors.Unwritable(path, e);
            }
        }

        /// <summary>Writes a new file beside the target, created with its mode by the open that makes it, then moves it into place.</summary>
        private static void Replace(string path, string text, int mode)
        {
            var temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var stream = UnixPermissions.CreateNew(temporary, mode))
                {
                    // The umask may have narrowed the mode at the create; the files' modes are exact.
                    UnixPermissions.TrySet(temporary, mode);
                    var bytes = new UTF8Encoding(false).GetBytes(text);
                    stream.Write(bytes, 0, bytes.Length);
                }

                if (File.Exists(path))
                {
                    File.Delete(path);
                }

                File.Move(temporary, path);
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
        }
    }
}
