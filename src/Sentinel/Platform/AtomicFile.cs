using System;
using System.IO;
using System.Text;

namespace Sentinel.Platform
{
    /// <summary>Writes a whole file so that a crash never leaves half of it: a temporary file beside it, then a rename over it.</summary>
    internal static class AtomicFile
    {
        /// <param name="path">The file to write.</param>
        /// <param name="text">Its whole new content, written as UTF-8.</param>
        /// <param name="mode">Unix permission bits the file gets before it appears under its name; null leaves the umask's.</param>
        public static void WriteAllText(string path, string text, int? mode = null)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(folder);
            var temporary = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            File.WriteAllText(temporary, text, new UTF8Encoding(false));
            if (mode != null)
            {
                UnixPermissions.TrySet(temporary, mode.Value);
            }

            try
            {
                if (File.Exists(path))
                {
                    File.Replace(temporary, path, null);
                }
                else
                {
                    File.Move(temporary, path);
                }
            }
            finally
            {
                File.Delete(temporary); // gone already unless the replace failed
            }
        }
    }
}
