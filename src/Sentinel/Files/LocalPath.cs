using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Sentinel.Files
{
    /// <summary>Local path checks for downloads.</summary>
    internal static class LocalPath
    {
        private static readonly StringComparison Comparison = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
            ? StringComparison.OrdinalIgnoreCase
            : StringComparison.Ordinal;

        /// <summary>
        /// True when <paramref name="target"/> is <paramref name="destination"/> itself or under it, by full
        /// paths ('..' resolved, no file system access): the last check before a download writes.
        /// </summary>
        public static bool IsWithin(string destination, string target)
        {
            var root = Path.GetFullPath(destination);
            var full = Path.GetFullPath(target);
            if (string.Equals(TrimEnd(root), TrimEnd(full), Comparison))
            {
                return true;
            }

            var prefix = root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? root : root + Path.DirectorySeparatorChar;
            return full.StartsWith(prefix, Comparison);
        }

        private static string TrimEnd(string path)
        {
            var trimmed = path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            return trimmed.Length == 0 ? path : trimmed;
        }
    }
}
