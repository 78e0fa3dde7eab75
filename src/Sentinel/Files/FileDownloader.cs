using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
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
    /// the SHA-256 the host computes (or, without a program for it, a read back over SFTP), then renamed over the destination (File.Replace, which keeps -Backup's copy).
    /// </summary>
    internal sealed class FileDownloader
    {
        private readonly CopyContext _c;

        /// <summary>Bytes received on this host so far, over all files.</summary>
        private long _received;

        private FileDownloader(CopyContext context)
        {
            _c = context;
        }

        public static Task RunAsync(CopyContext context, IReadOnlyList<string> patterns, string destination) => new FileDownloader(context).DownloadAsync(patterns, destination);

        private async Task DownloadAsync(IReadOnlyList<string> patterns, string destination)
        {
            await _c.PrepareAsync(upload: false).ConfigureAwait(false);
            var sources = new List<CopySource>();
            foreach (var pattern in patterns)
            {
                try
                {
                    var cut = false;
                    var found = await new RemoteSources(_c.Transfer, _c.Host, e => { cut |= e.ErrorId == ErrorIds.RemoteTreeTooLarge; _c.Fail(e); }, _c.Stop).ExpandAsync(pattern, _c.Options.Recurse).ConfigureAwait(false);

                    // A wildcard whose listing passed the bound found too much, not nothing: that error says so.
                    if (found.Count == 0 && !cut)
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
                if (!LocalPath.IsWithin(destination, directory))
                {
                    _c.Fail(FileErrors.OutsideDestination(_c.Host, directory, directory, destination));
                    continue;
                }

                if (!await _c.Confirm(directory, "Create directory").ConfigureAwait(false))
                {
                    return;
                }

                try
                {
                    Directory.CreateDirectory(directory);
                }
                catch (Exception e) when (IsLocalFailure(e))
                {
                    // Such as a file in its place: the files under it fail on their own, the rest goes on.
                    _c.Fail(LocalFailure(directory, e));
                }
            }

            var hashes = await _c.RemoteHashesAsync(plan.Files.Select(f => f.Source).ToList(), sudo: false).ConfigureAwait(false);

            // What to do with each file is decided in order (ShouldProcess asks in the files' order); the
            // transfers then run side by side on the one channel, and the results are told in the files' order.
            // Two sources with one target (or two targets one name on a case-blind file system) go one
            // after the other, each decided once the one before is in place, as they always did.
            var sideBySide = plan.Files.Select(f => f.Target).Distinct(StringComparer.OrdinalIgnoreCase).Count() == plan.Files.Count;
            var outcomes = new Outcome?[plan.Files.Count];
            var toCopy = new List<Outcome>();
            try
            {
                for (var i = 0; i < plan.Files.Count; i++)
                {
                    _c.Stop.ThrowIfCancellationRequested();
                    var outcome = outcomes[i] = new Outcome(plan.Files[i]);
                    try
                    {
                        if (!await DecideAsync(outcome, hashes[i], destination).ConfigureAwait(false))
                        {
                            continue;
                        }

                        if (sideBySide)
                        {
                            toCopy.Add(outcome);
                        }
                        else
                        {
                            await CopyAsync(outcome).ConfigureAwait(false);
                        }
                    }
                    catch (SentinelException e)
                    {
                        outcome.Failure = e;
                    }
                }

                await InFlight.ForEachAsync(toCopy.Count, index => CopyAsync(toCopy[index]), _c.Stop).ConfigureAwait(false);
            }
            finally
            {
                foreach (var outcome in outcomes)
                {
                    if (outcome?.Failure != null)
                    {
                        _c.Fail(outcome.Failure);
                        _c.Emit(Result(outcome.File.Source, outcome.File.Target, FileCopyAction.Failed, 0, null, outcome.Clock.Elapsed, null, outcome.Failure.Message));
                    }
                    else if (outcome?.Result != null)
                    {
                        _c.Emit(outcome.Result);
                    }
                }
            }
        }

        /// <summary>Copies a file decided on; its result or failure goes on its outcome.</summary>
        private async Task CopyAsync(Outcome outcome)
        {
            long received = 0;
            try
            {
                outcome.Result = await CopyOneAsync(outcome, now => _c.Progress(outcome.File.Source, Interlocked.Add(ref _received, now - Interlocked.Exchange(ref received, now)), -1)).ConfigureAwait(false);
            }
            catch (SentinelException e)
            {
                outcome.Failure = e;
            }
        }

        /// <summary>One planned file: what became of it, told once all transfers ended.</summary>
        private sealed class Outcome
        {
            public Outcome(PlannedFile file)
            {
                File = file;
            }

            public PlannedFile File { get; }

            public Stopwatch Clock { get; } = Stopwatch.StartNew();

            public string RemoteHash { get; set; } = string.Empty;

            public bool Exists { get; set; }

            /// <summary>Unchanged or Copied; null while not done, or when ShouldProcess declined.</summary>
            public FileCopyResult? Result { get; set; }

            public SentinelException? Failure { get; set; }
        }

        /// <summary>True when the file is to be copied; else its result (Unchanged) is set, or ShouldProcess declined.</summary>
        private async Task<bool> DecideAsync(Outcome outcome, RemoteHash remote, string destination)
        {
            var file = outcome.File;

            // The names were checked as they were listed; this is the last line, on the path itself.
            if (!LocalPath.IsWithin(destination, file.Target))
            {
                throw FileErrors.OutsideDestination(_c.Host, file.Source, file.Target, destination);
            }

            var remoteHash = outcome.RemoteHash = remote.Value ?? throw _c.Unverified(file.Source, remote);

            var exists = outcome.Exists = File.Exists(file.Target);
            if (Directory.Exists(file.Target))
            {
                throw FileErrors.LocalCopyFailed(_c.Host, file.Target, "it is a directory");
            }

            if (exists)
            {
                string local;
                try
                {
                    local = HashingStream.OfFile(file.Target, _c.Stop);
                }
                catch (Exception e) when (IsLocalFailure(e))
                {
                    throw LocalFailure(file.Target, e);
                }

                if (local == remoteHash)
                {
                    outcome.Result = Result(file.Source, file.Target, FileCopyAction.Unchanged, new FileInfo(file.Target).Length, local, outcome.Clock.Elapsed, null, null, _c.Verification);
                    return false;
                }

                if (!_c.Options.Force)
                {
                    throw FileErrors.Exists(_c.Host, file.Target);
                }
            }

            return await _c.Confirm(file.Target, $"{(exists ? "Replace" : "Create")} file from {file.Source} on {_c.Host}").ConfigureAwait(false);
        }

        private async Task<FileCopyResult> CopyOneAsync(Outcome outcome, Action<long> progress)
        {
            var (file, remoteHash, exists) = (outcome.File, outcome.RemoteHash, outcome.Exists);
            var directory = Path.GetDirectoryName(Path.GetFullPath(file.Target))!;
            var temp = Path.Combine(directory, RemotePath.TempFileName(Path.GetFileName(file.Target), RemotePath.NewUnique()));
            try
            {
                // The mode a new file gets: the remote file's, as sftp's get gives it (umask applied, owner may write).
                var remoteMode = file.SourceMode ?? (await _c.Transfer.StatAsync(file.Source, _c.Stop).ConfigureAwait(false))?.Mode;
                string hash;
                long length;

                // Born readable by its owner only, whatever the final mode: nobody can open it and read on.
                using (var stream = UnixPermissions.CreatePrivate(temp, 1 << 16))
                using (var hashing = new HashingStream(stream))
                {
                    await _c.Transfer.DownloadAsync(file.Source, hashing, progress, _c.Stop).ConfigureAwait(false);
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
                    // The replaced file's permission bits stay, as when cp or sftp's get overwrites a file.
                    if (UnixPermissions.TryGet(file.Target) is int mode)
                    {
                        UnixPermissions.TrySet(temp, mode);
                    }

                    backup = _c.Options.Backup ? RemotePath.BackupName(file.Target, DateTime.UtcNow) : null;
                    File.Replace(temp, file.Target, backup);
                }
                else
                {
                    if (remoteMode is int bits)
                    {
                        UnixPermissions.TrySet(temp, UnixPermissions.NewFileMode(bits));
                    }

                    File.Move(temp, file.Target);
                }

                return Result(file.Source, file.Target, FileCopyAction.Copied, length, hash, outcome.Clock.Elapsed, backup, null, _c.Verification);
            }
            catch (FileTransferException e)
            {
                throw _c.Failed(file.Source, e);
            }
            catch (Exception e) when (IsLocalFailure(e))
            {
                throw LocalFailure(file.Target, e);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }

        private static bool IsLocalFailure(Exception e) => e is IOException || e is UnauthorizedAccessException;

        private SentinelException LocalFailure(string path, Exception e) => FileErrors.LocalCopyFailed(_c.Host, path, e.Message, e is UnauthorizedAccessException, e);

        private FileCopyResult Result(string source, string destination, FileCopyAction action, long length, string? sha256, TimeSpan duration, string? backup, string? message, FileCopyVerification verification = FileCopyVerification.None) =>
            new FileCopyResult(_c.Host, _c.Session.Id, FileCopyDirection.Download, source, destination, action, length, sha256, duration, backup, message, verification);
    }

    /// <summary>
    /// Remote -Path items: wildcards expanded segment by segment over SFTP, directories walked for
    /// -Recurse. Listings come from the server, which may be hostile: a name that cannot be one local
    /// file name is refused (its own error, the other entries go on), and listings and trees are bounded
    /// in entries and depth so that one that never ends does not hang the copy or exhaust memory.
    /// </summary>
    internal sealed class RemoteSources
    {
        private static readonly char[] Slash = { '/' };

        /// <summary>Entries one -Path item may list in all (wildcards and -Recurse), and so one listing too.</summary>
        public const int MaxEntries = 200_000;

        /// <summary>Directory levels under a copied directory; deeper ones are not walked.</summary>
        public const int MaxDepth = 128;

        private readonly IFileTransfer _transfer;
        private readonly string _host;
        private readonly Action<SentinelException> _refuse;
        private readonly CancellationToken _stop;
        private int _listed;

        public RemoteSources(IFileTransfer transfer, string host, Action<SentinelException> refuse, CancellationToken stop)
        {
            _transfer = transfer;
            _host = host;
            _refuse = refuse;
            _stop = stop;
        }

        public async Task<List<CopySource>> ExpandAsync(string pattern, bool recurse)
        {
            _listed = 0;
            var sources = new List<CopySource>();
            foreach (var path in await GlobAsync(pattern).ConfigureAwait(false))
            {
                var info = _transfer.Stat(path);
                if (info == null)
                {
                    continue;
                }

                var kind = KindOf(info);
                var tree = kind == EntryKind.Directory && recurse ? await WalkAsync(path).ConfigureAwait(false) : null;
                sources.Add(new CopySource(path, RemotePath.NameOf(path), kind, tree, info.Mode));
            }

            return sources;
        }

        private static EntryKind KindOf(RemoteFileInfo info) => info.Kind == RemoteFileKind.File ? EntryKind.File : info.Kind == RemoteFileKind.Directory ? EntryKind.Directory : EntryKind.Other;

        /// <summary>The paths <paramref name="pattern"/> names; a segment without wildcards is taken as written.</summary>
        private async Task<IReadOnlyList<string>> GlobAsync(string pattern)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(pattern))
            {
                return new[] { pattern };
            }

            var absolute = pattern.StartsWith("/", StringComparison.Ordinal);
            var current = new List<string> { absolute ? "/" : string.Empty };
            foreach (var segment in pattern.Split(Slash, StringSplitOptions.RemoveEmptyEntries))
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
                        info = _transfer.Stat(listed);
                    }
                    catch (FileTransferException)
                    {
                        continue;
                    }

                    if (info?.Kind != RemoteFileKind.Directory)
                    {
                        continue;
                    }

                    var entries = await ListAsync(listed).ConfigureAwait(false);
                    if (entries == null)
                    {
                        return Array.Empty<string>();
                    }

                    next.AddRange(entries
                        .Select(entry => entry.Name)
                        .Where(name => match.IsMatch(name) && (!name.StartsWith(".", StringComparison.Ordinal) || segment.StartsWith(".", StringComparison.Ordinal)))
                        .OrderBy(name => name, StringComparer.Ordinal)
                        .Select(name => directory.Length == 0 ? name : RemotePath.Combine(directory, name)));
                }

                current = next;
            }

            return current;
        }

        private async Task<List<TreeEntry>> WalkAsync(string root)
        {
            var entries = new List<TreeEntry>();
            var pending = new Stack<(string Relative, int Depth)>();
            pending.Push((string.Empty, 0));
            var tooDeep = false;
            while (pending.Count > 0)
            {
                var (relative, depth) = pending.Pop();
                var directory = relative.Length == 0 ? root : RemotePath.Combine(root, relative);
                if (depth >= MaxDepth)
                {
                    if (!tooDeep)
                    {
                        _refuse(FileErrors.TreeTooLarge(_host, directory, $"it is more than {MaxDepth} directory levels below '{root}', so what is under it (and under any other directory as deep) was left out"));
                    }

                    tooDeep = true;
                    continue;
                }

                var listing = await ListAsync(directory).ConfigureAwait(false);
                if (listing == null)
                {
                    break;
                }

                foreach (var entry in listing.OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                    var kind = KindOf(entry);
                    entries.Add(new TreeEntry(RemotePath.Combine(directory, entry.Name), path, kind, entry.Mode));
                    if (kind == EntryKind.Directory)
                    {
                        pending.Push((path, depth + 1));
                    }
                }
            }

            return entries;
        }

        /// <summary>
        /// The entries of <paramref name="directory"/> whose names are safe (each other one refused), or
        /// null (refused once) when the listing would take this -Path item past <see cref="MaxEntries"/>:
        /// the walk stops there.
        /// </summary>
        private async Task<List<RemoteFileInfo>?> ListAsync(string directory)
        {
            var budget = MaxEntries - _listed;
            var entries = await _transfer.ListAsync(directory, budget + 1, _stop).ConfigureAwait(false);
            if (entries.Count > budget)
            {
                _refuse(FileErrors.TreeTooLarge(_host, directory, $"listing it would pass {MaxEntries} entries for one -Path item, so none of its entries (nor any not listed yet) were copied"));
                return null;
            }

            _listed += entries.Count;
            var safe = new List<RemoteFileInfo>(entries.Count);
            foreach (var entry in entries)
            {
                if (RemotePath.IsSafeName(entry.Name))
                {
                    safe.Add(entry);
                }
                else
                {
                    _refuse(FileErrors.UnsafeRemoteName(_host, directory, entry.Name));
                }
            }

            return safe;
        }
    }
}
