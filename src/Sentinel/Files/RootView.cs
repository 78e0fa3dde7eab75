using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Transport;

namespace Sentinel.Files
{
    /// <summary>
    /// What root sees at a set of remote paths, as lstat sees them (a link is described, not followed),
    /// read with one simple <c>stat</c> command under sudo per batch. Under -Sudo every decision about the
    /// destination comes from here, never from SFTP as the login user, who may not even be able to look
    /// (a 0700 /root) and whose view is not what root will write through.
    /// </summary>
    internal sealed class RootView
    {
        /// <summary>Name, raw mode in hex, owner, group and size, each ended by a NUL: a name may hold a newline, never a NUL.</summary>
        private const string Format = "--printf='%n\\0%f\\0%u\\0%g\\0%s\\0'";

        private readonly Dictionary<string, RemoteFileInfo> _entries;

        /// <summary>Every path looked at, found or not: a later look asks root only about the others.</summary>
        private readonly HashSet<string> _asked;

        private RootView(Dictionary<string, RemoteFileInfo> entries, HashSet<string> asked)
        {
            _entries = entries;
            _asked = asked;
        }

        /// <summary>
        /// Looks at <paramref name="paths"/> (absolute) as root; a path that does not exist is simply absent.
        /// What <paramref name="known"/> already looked at is taken from it, not asked again (each look is
        /// a command under sudo, often a password round).
        /// </summary>
        public static async Task<RootView> LoadAsync(CopyContext context, IEnumerable<string> paths, RootView? known = null)
        {
            var entries = known == null ? new Dictionary<string, RemoteFileInfo>(StringComparer.Ordinal) : new Dictionary<string, RemoteFileInfo>(known._entries, StringComparer.Ordinal);
            var asked = known == null ? new HashSet<string>(StringComparer.Ordinal) : new HashSet<string>(known._asked, StringComparer.Ordinal);
            var all = paths.Where(asked.Add).ToList();
            for (var first = 0; first < all.Count; first += HashTool.BatchSize)
            {
                var batch = all.Skip(first).Take(HashTool.BatchSize).ToList();
                var result = await context.RunAsync(Command(batch), sudo: true, context.Stop).ConfigureAwait(false);
                foreach (var entry in Parse(result.Output))
                {
                    entries[entry.FullName] = entry;
                }

                // stat exits 1 when a path is missing (told on stderr); anything that printed nothing at all failed.
                if (!result.Succeeded && result.Output.Length == 0 && !result.Error.Contains("No such file or directory"))
                {
                    throw FileErrors.CopyFailed(context.Host, batch[0], "could not look at the destination as root (stat under sudo): " + (result.Error + result.Output).Trim());
                }
            }

            return new RootView(entries, asked);
        }

        public static RootView Of(IEnumerable<RemoteFileInfo> entries)
        {
            var byPath = entries.ToDictionary(e => e.FullName, StringComparer.Ordinal);
            return new RootView(byPath, new HashSet<string>(byPath.Keys, StringComparer.Ordinal));
        }

        public static string Command(IEnumerable<string> paths) => "stat " + Format + " -- " + string.Join(" ", paths.Select(ShellQuote.Quote));

        /// <summary>The entries stat printed; a record cut short (a lying or broken stat) is dropped.</summary>
        public static IEnumerable<RemoteFileInfo> Parse(string output)
        {
            var fields = output.Split('\0');
            for (var i = 0; i + 4 < fields.Length; i += 5)
            {
                if (!uint.TryParse(fields[i + 1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var raw)
                    || !int.TryParse(fields[i + 2], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
                    || !int.TryParse(fields[i + 3], NumberStyles.None, CultureInfo.InvariantCulture, out var group)
                    || !long.TryParse(fields[i + 4], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                {
                    yield break;
                }

                var kind = (raw & 0xF000) switch
                {
                    0x8000 => RemoteFileKind.File,
                    0x4000 => RemoteFileKind.Directory,
                    0xA000 => RemoteFileKind.SymbolicLink,
                    _ => RemoteFileKind.Other,
                };
                yield return new RemoteFileInfo(fields[i], kind, size, (int)(raw & 0xFFF), user, group);
            }
        }

        /// <summary>The entry at <paramref name="path"/> itself (a link as a link), or null.</summary>
        public RemoteFileInfo? Entry(string path) => _entries.TryGetValue(path, out var info) ? info : null;

        /// <summary>The directory <paramref name="path"/> names, through a link if it is one, or null when it names none.</summary>
        public RemoteFileInfo? DirectoryAt(string path)
        {
            var info = Entry(ThroughLink(path));
            return info?.Kind == RemoteFileKind.Directory ? info : null;
        }

        /// <summary>The paths to load to judge writing at <paramref name="target"/>: every ancestor, each also through a link, and the target.</summary>
        public static IEnumerable<string> PathsFor(string target)
        {
            foreach (var directory in RootPath.Ancestors(target))
            {
                yield return directory;
                yield return ThroughLink(directory);
            }

            yield return target;
            yield return ThroughLink(target);
        }

        /// <summary>"path/." names what a link at path points to; stat's lstat then describes the directory itself.</summary>
        private static string ThroughLink(string path) => path == "/" ? "/." : path + "/.";
    }
}
