using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Sentinel.Files
{
    /// <summary>Local -Path items as copy sources; a directory's tree is walked without following links (as cp -R).</summary>
    internal static class LocalSources
    {
        public static CopySource Describe(string path, bool recurse)
        {
            var name = Path.GetFileName(path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
            if (Directory.Exists(path))
            {
                return new CopySource(path, name, EntryKind.Directory, recurse ? Walk(path) : null);
            }

            return new CopySource(path, name, File.Exists(path) ? EntryKind.File : EntryKind.Other);
        }

        /// <summary>Everything under <paramref name="root"/>, parents before children, names in ordinal order.</summary>
        public static List<TreeEntry> Walk(string root)
        {
            var entries = new List<TreeEntry>();
            var pending = new Stack<KeyValuePair<DirectoryInfo, string>>();
            pending.Push(new KeyValuePair<DirectoryInfo, string>(new DirectoryInfo(root), string.Empty));
            while (pending.Count > 0)
            {
                var (directory, relative) = (pending.Peek().Key, pending.Pop().Value);
                foreach (var entry in directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                    var isLink = (entry.Attributes & FileAttributes.ReparsePoint) != 0;
                    var kind = isLink ? EntryKind.Other : entry is DirectoryInfo ? EntryKind.Directory : EntryKind.File;
                    entries.Add(new TreeEntry(entry.FullName, path, kind));
                    if (kind == EntryKind.Directory)
                    {
                        pending.Push(new KeyValuePair<DirectoryInfo, string>((DirectoryInfo)entry, path));
                    }
                }
            }

            return entries;
        }
    }
}
