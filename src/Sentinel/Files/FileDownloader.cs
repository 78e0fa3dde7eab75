using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Platform;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Files
{
    /// <summary>
    /// Copies files from one host to this machine: remote wildcards expanded over SFTP, each file
    /// streamed into a temporary local file beside its destination while it is hashed, checked against
    /// sha256sum on the host, then renamed over the destination (File.Replace, which keeps -Backup's copy).
    /// </summary>
    internal sealed class FileDownloader
    {
        private readonly CopyContext _c;

        private FileDownloader(CopyContext context)
        {
            _c = context;
        }

        public static Task RunAsync(CopyContext context, IReadOnlyList<string> patterns, string destination) => new FileDownloader(context).DownloadAsync(patterns, destination);

        private async Task DownloadAsync(IReadOnlyList<string> patterns, string destination)
        {
            var sources = new List<CopySource>();
            foreach (var pattern in patterns)
            {
                try
                {
                    var found = RemoteSources.Expand(_c.Transfer, pattern, _c.Options.Recurse);
                    if (found.Count == 0)
                    {
                        _c.Fail(FileErrors.NotFound(_c.Host, pattern));
                    }

                    sources.AddRange(found);
                }
                catch (FileTransferException e)
                {
                    _c.Fail(_c.Failed(pattern, e));
                }
            }

            if (sources.Count == 0)
            {
                return;
            }

            var kind = Directory.Exists(destination) ? DestinationKind.Directory : File.Exists(destination) ? DestinationKind.File : DestinationKind.Missing;
            var plan = CopyPlanner.Plan(sources, destination, kind, _c.Options.Recurse, (directory, relative) => Path.Combine(directory, relative.Replace('/', Path.DirectorySeparatorChar)));
            if (plan.Error != null)
            {
                _c.Fail(FileErrors.CopyFailed(_c.Host, destination, plan.Error));
                return;
            }

            foreach (var skipped in plan.Skipped)
            {
                _c.Emit(Result(skipped.Key, skipped.Key, FileCopyAction.Skipped, 0, null, TimeSpan.Zero, null, skipped.Value));
            }

            foreach (var directory in plan.Directories.Where(d => !Directory.Exists(d)))
            {
                if (!await _c.Confirm(directory, "Create directory").ConfigureAwait(false))
                {
                    return;
                }

                Directory.CreateDirectory(directory);
            }

            var hashes = await _c.RemoteHashesAsync(plan.Files.Select(f => f.Source).ToList(), sudo: false).ConfigureAwait(false);
            long done = 0;
            for (var i = 0; i < plan.Files.Count; i++)
            {
                _c.Stop.ThrowIfCancellationRequested();
                var file = plan.Files[i];
                var clock = Stopwatch.StartNew();
                try
                {
                    var copied = await CopyOneAsync(file, hashes[i], clock, done).ConfigureAwait(false);
                    done += copied?.Length ?? 0;
                    if (copied != null)
                    {
                        _c.Emit(copied);
                    }
                }
                catch (SentinelException e)
                {
                    _c.Fail(e);
                    _c.Emit(Result(file.Source, file.Target, FileCopyAction.Failed, 0, null, clock.Elapsed, null, e.Message));
                }
            }
        }

        /// <summary>The result, or null when ShouldProcess declined.</summary>
        private async Task<FileCopyResult?> CopyOneAsync(PlannedFile file, string? remoteHash, Stopwatch clock, long doneBefore)
        {
            if (remoteHash == null)
            {
                throw FileErrors.VerificationFailed(_c.Host, file.Source, string.Empty, null);
            }

            var exists = File.Exists(file.Target);
            if (Directory.Exists(file.Target))
            {
                throw FileErrors.CopyFailed(_c.Host, file.Target, "it is a local directory");
            }

            if (exists)
            {
                var local = HashingStream.OfFile(file.Target, _c.Stop);
                if (local == remoteHash)
                {
                    return Result(file.Source, file.Target, FileCopyAction.Unchanged, new FileInfo(file.Target).Length, local, clock.Elapsed, null, null);
                }

                if (!_c.Options.Force)
                {
                    throw FileErrors.Exists(_c.Host, file.Target);
                }
            }

            if (!await _c.Confirm(file.Target, $"{(exists ? "Replace" : "Create")} file from {file.Source} on {_c.Host}").ConfigureAwait(false))
            {
                return null;
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(file.Target))!;
            var temp = Path.Combine(directory, "." + Path.GetFileName(file.Target) + ".sentinel-" + RemotePath.NewUnique() + ".tmp");
            try
            {
                string hash;
                long length;
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                using (var hashing = new HashingStream(stream))
                {
                    await _c.Transfer.DownloadAsync(file.Source, hashing, received => _c.Progress(file.Source, doneBefore + received, -1), _c.Stop).ConfigureAwait(false);
                    hash = hashing.Finish();
                    length = hashing.BytesHashed;
                }

                if (hash != remoteHash)
                {
                    throw FileErrors.VerificationFailed(_c.Host, file.Source, remoteHash, hash);
                }

                string? backup = null;
                if (exists)
                {
                    // The replaced file's permission bits stay, as when cp overwrites a file.
                    if (UnixPermissions.TryGet(file.Target) is int mode)
                    {
                        UnixPermissions.TrySet(temp, mode);
                    }

                    backup = _c.Options.Backup ? RemotePath.BackupName(file.Target, DateTime.UtcNow) : null;
                    File.Replace(temp, file.Target, backup);
                }
                else
                {
                    File.Move(temp, file.Target);
                }

                return Result(file.Source, file.Target, FileCopyAction.Copied, length, hash, clock.Elapsed, backup, null);
            }
            catch (FileTransferException e)
            {
                throw _c.Failed(file.Source, e);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw FileErrors.CopyFailed(_c.Host, file.Target, e.Message, e is UnauthorizedAccessException, e);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }

        private FileCopyResult Result(string source, string destination, FileCopyAction action, long length, string? sha256, TimeSpan duration, string? backup, string? message) =>
            new FileCopyResult(_c.Host, _c.Session.Id, FileCopyDirection.Download, source, destination, action, length, sha256, duration, backup, message);
    }

    /// <summary>Remote -Path items: wildcards expanded segment by segment over SFTP, directories walked for -Recurse.</summary>
    internal static class RemoteSources
    {
        public static List<CopySource> Expand(IFileTransfer transfer, string pattern, bool recurse)
        {
            var sources = new List<CopySource>();
            foreach (var path in Glob(transfer, pattern))
            {
                var info = transfer.Stat(path);
                if (info == null)
                {
                    continue;
                }

                var kind = info.Kind == RemoteFileKind.File ? EntryKind.File : info.Kind == RemoteFileKind.Directory ? EntryKind.Directory : EntryKind.Other;
                var tree = kind == EntryKind.Directory && recurse ? Walk(transfer, path) : null;
                sources.Add(new CopySource(path, RemotePath.NameOf(path), kind, tree));
            }

            return sources;
        }

        /// <summary>The paths <paramref name="pattern"/> names; a segment without wildcards is taken as written.</summary>
        private static IEnumerable<string> Glob(IFileTransfer transfer, string pattern)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(pattern))
            {
                return new[] { pattern };
            }

            var absolute = pattern.StartsWith("/", StringComparison.Ordinal);
            var current = new List<string> { absolute ? "/" : string.Empty };
            foreach (var segment in pattern.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var next = new List<string>();
                foreach (var directory in current)
                {
                    if (!WildcardPattern.ContainsWildcardCharacters(segment))
                    {
                        next.Add(directory.Length == 0 ? segment : RemotePath.Combine(directory, segment));
                        continue;
                    }

                    var match = new WildcardPattern(segment, WildcardOptions.CultureInvariant);
                    var listed = directory.Length == 0 ? "." : directory;
                    RemoteFileInfo? info;
                    try
                    {
                        info = transfer.Stat(listed);
                    }
                    catch (FileTransferException)
                    {
                        continue;
                    }

                    if (info?.Kind != RemoteFileKind.Directory)
                    {
                        continue;
                    }

                    next.AddRange(transfer.List(listed)
                        .Select(entry => RemotePath.NameOf(entry.FullName))
                        .Where(name => match.IsMatch(name) && (!name.StartsWith(".", StringComparison.Ordinal) || segment.StartsWith(".", StringComparison.Ordinal)))
                        .OrderBy(name => name, StringComparer.Ordinal)
                        .Select(name => directory.Length == 0 ? name : RemotePath.Combine(directory, name)));
                }

                current = next;
            }

            return current;
        }

        private static List<TreeEntry> Walk(IFileTransfer transfer, string root)
        {
            var entries = new List<TreeEntry>();
            var pending = new Stack<string>();
            pending.Push(string.Empty);
            while (pending.Count > 0)
            {
                var relative = pending.Pop();
                var directory = relative.Length == 0 ? root : RemotePath.Combine(root, relative);
                foreach (var entry in transfer.List(directory).OrderBy(e => e.FullName, StringComparer.Ordinal))
                {
                    var name = RemotePath.NameOf(entry.FullName);
                    var path = relative.Length == 0 ? name : relative + "/" + name;
                    var kind = entry.Kind == RemoteFileKind.File ? EntryKind.File : entry.Kind == RemoteFileKind.Directory ? EntryKind.Directory : EntryKind.Other;
                    entries.Add(new TreeEntry(RemotePath.Combine(directory, name), path, kind));
                    if (kind == EntryKind.Directory)
                    {
                        pending.Push(path);
                    }
                }
            }

            return entries;
        }
    }
}
