using System;
using System.Collections.Generic;
using System.Linq;
using Sentinel.Transport;

namespace Sentinel.Files
{
    /// <summary>
    /// Where root may write under -Sudo. Root never writes through a path that a user other than root,
    /// the login user or the destination's owner can change: every directory on the way must be
    /// writable by those only (or sticky, like /tmp, where others cannot move what they do not own),
    /// and a link on the way must belong to one of them. A link at the destination itself is replaced,
    /// never followed. Paths are taken lexically, so '..' is refused: under links it would not mean
    /// what it says.
    /// </summary>
    internal static class RootPath
    {
        private const int GroupOrOthersWrite = 0x12; // 0022
        private const int Sticky = 0x200;            // 01000

        /// <summary>
        /// <paramref name="path"/> made absolute against <paramref name="home"/> and cleaned of '.', empty
        /// segments and trailing slashes; null when it holds '..'.
        /// </summary>
        public static string? Normalize(string path, string home)
        {
            var absolute = path.StartsWith("/", StringComparison.Ordinal) ? path : RemotePath.Combine(home, path.StartsWith("~/", StringComparison.Ordinal) ? path.Substring(2) : path);
            var segments = new List<string>();
            foreach (var segment in absolute.Split('/'))
            {
                if (segment.Length == 0 || segment == ".")
                {
                    continue;
                }

                if (segment == "..")
                {
                    return null;
                }

                segments.Add(segment);
            }

            return "/" + string.Join("/", segments);
        }

        /// <summary>"/", "/a", "/a/b" for "/a/b/c": every directory above <paramref name="path"/>, outermost first.</summary>
        public static IEnumerable<string> Ancestors(string path)
        {
            if (path == "/")
            {
                yield break;
            }

            yield return "/";
            var at = path.IndexOf('/', 1);
            while (at > 0)
            {
                yield return path.Substring(0, at);
                at = path.IndexOf('/', at + 1);
            }
        }

        /// <summary>
        /// Why root must not write at <paramref name="target"/> (an absolute, normalized path), or null when
        /// it may. <paramref name="trusted"/> are the users who may change the path: root, the login user
        /// and the destination's owner. Directories missing from <paramref name="view"/> are about to be made
        /// by root, so nobody else can have changed them.
        /// </summary>
        public static string? WhyUnsafe(string target, RootView view, ICollection<int> trusted, ICollection<int> trustedGroups)
        {
            var ancestors = Ancestors(target).ToList();
            for (var i = 0; i < ancestors.Count; i++)
            {
                var path = ancestors[i];
                var entry = view.Entry(path);
                if (entry == null)
                {
                    return null;
                }

                if (entry.Kind == RemoteFileKind.SymbolicLink && !trusted.Contains(entry.UserId))
                {
                    return $"'{path}' is a symbolic link owned by user id {entry.UserId}, who could point it anywhere";
                }

                var directory = view.DirectoryAt(path);
                if (directory == null)
                {
                    return entry.Kind == RemoteFileKind.SymbolicLink ? $"'{path}' is a symbolic link to nothing" : $"'{path}' is not a directory";
                }

                if (!trusted.Contains(directory.UserId))
                {
                    return $"the directory '{path}' belongs to user id {directory.UserId}, who could swap what is in it";
                }

                var next = i + 1 < ancestors.Count ? view.Entry(ancestors[i + 1]) : view.Entry(target);
                if ((directory.Mode & GroupOrOthersWrite) != 0 && !SafelyShared(directory, next, trusted, trustedGroups))
                {
                    return $"the directory '{path}' (mode {Convert.ToString(directory.Mode, 8)}) can be written by users other than root, the login user and the file's owner";
                }
            }

            return null;
        }

        /// <summary>
        /// A writable-by-others directory is still safe when only trusted groups may write it, or when it is
        /// sticky and what root goes through in it belongs to a trusted user (others cannot rename or remove it).
        /// </summary>
        private static bool SafelyShared(RemoteFileInfo directory, RemoteFileInfo? next, ICollection<int> trusted, ICollection<int> trustedGroups)
        {
            var othersWrite = (directory.Mode & 0x2) != 0;
            if (!othersWrite && trustedGroups.Contains(directory.GroupId))
            {
                return true;
            }

            return (directory.Mode & Sticky) != 0 && (next == null || trusted.Contains(next.UserId));
        }
    }
}
