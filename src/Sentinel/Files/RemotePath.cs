using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Sentinel.Files
{
    /// <summary>
    /// POSIX path arithmetic for the remote side. Paths are strings handed to SFTP or quoted with
    /// ShellQuote; nothing here ever builds a command line.
    /// </summary>
    internal static class RemotePath
    {
        /// <summary>Longest file name most Linux file systems take (NAME_MAX), in bytes.</summary>
        private const int NameMax = 255;

        /// <summary>Characters that end a path segment here: '/' and '\\' on Windows (and ':' for drive-relative paths), '/' elsewhere.</summary>
        private static readonly char[] LocalSeparators = new[] { System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar, System.IO.Path.VolumeSeparatorChar }.Distinct().ToArray();

        public static string Combine(string directory, string relative)
        {
            if (relative.StartsWith("/", StringComparison.Ordinal))
            {
                return relative;
            }

            return directory.EndsWith("/", StringComparison.Ordinal) ? directory + relative : directory + "/" + relative;
        }

        /// <summary>The directory part: "/" for a file at the root, "." for a bare name.</summary>
        public static string DirectoryOf(string path)
        {
            var trimmed = TrimTrailingSlashes(path);
            var slash = trimmed.LastIndexOf('/');
            return slash < 0 ? "." : slash == 0 ? "/" : trimmed.Substring(0, slash);
        }

        /// <summary>The last segment, trailing slashes ignored (as basename does).</summary>
        public static string NameOf(string path)
        {
            var trimmed = TrimTrailingSlashes(path);
            return trimmed.Substring(trimmed.LastIndexOf('/') + 1);
        }

        /// <summary>
        /// True when <paramref name="name"/>, an entry of a remote listing, can be used as one local file
        /// name: not empty, '.' or '..', and without '/', NUL or a separator of this machine's paths
        /// (backslash on Windows; on Linux a backslash is an ordinary character, as OpenSSH's sftp takes it).
        /// </summary>
        public static bool IsSafeName(string name) => IsSafeName(name, LocalSeparators);

        /// <summary><see cref="IsSafeName(string)"/> for a machine whose paths use <paramref name="localSeparators"/>.</summary>
        public static bool IsSafeName(string name, char[] localSeparators) =>
            name.Length > 0 && name != "." && name != ".." && name.IndexOf('/') < 0 && name.IndexOf('\0') < 0 && name.IndexOfAny(localSeparators) < 0;

        /// <summary>
        /// A hidden temporary name beside <paramref name="name"/> in <paramref name="directory"/>, unique
        /// per call, short enough for NAME_MAX however long the name is.
        /// </summary>
        public static string TempName(string directory, string name, string unique) => Combine(directory, TempFileName(name, unique));

        /// <summary>The file name <see cref="TempName"/> gives, for a temporary file beside a local one too.</summary>
        public static string TempFileName(string name, string unique)
        {
            var suffix = ".sentinel-" + unique + ".tmp";
            return "." + Shorten(name, NameMax - suffix.Length - 1) + suffix;
        }

        /// <summary>Where <c>-Backup</c> keeps the previous file: <c>&lt;path&gt;.&lt;UTC timestamp&gt;.bak</c>.</summary>
        public static string BackupName(string path, DateTime utc) => path + "." + utc.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + ".bak";

        public static string NewUnique() => Guid.NewGuid().ToString("N").Substring(0, 12);

        private static string TrimTrailingSlashes(string path)
        {
            var trimmed = path.TrimEnd('/');
            return trimmed.Length == 0 && path.Length > 0 ? "/" : trimmed;
        }

        /// <summary>The longest prefix of <paramref name="name"/> that fits <paramref name="maxBytes"/> UTF-8 bytes, never splitting a character.</summary>
        private static string Shorten(string name, int maxBytes)
        {
            if (Encoding.UTF8.GetByteCount(name) <= maxBytes)
            {
                return name;
            }

            var length = 0;
            var bytes = 0;
            while (length < name.Length)
            {
                var step = char.IsHighSurrogate(name[length]) && length + 1 < name.Length ? 2 : 1;
                var size = Encoding.UTF8.GetByteCount(name.ToCharArray(length, step));
                if (bytes + size > maxBytes)
                {
                    break;
                }

                bytes += size;
                length += step;
            }

            return name.Substring(0, length);
        }
    }
}
