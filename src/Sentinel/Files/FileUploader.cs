using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Platform;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Files
{
    /// <summary>
    /// Copies local files to one host, never leaving a half-written destination: each file goes to a
    /// private directory first (a 0700 one beside the destination, or with -Sudo one made by mktemp), its
    /// SHA-256 is checked on the host (with its SHA-256 program, or by reading it back over SFTP where
    /// there is none or the account may use SFTP only), -Validate runs on it, and only then does it replace
    /// the destination in one rename (with -Sudo: install to a temporary name beside the destination,
    /// then mv -T over it; install alone unlinks the destination before writing it). A destination with
    /// the same SHA-256 is left untouched (Unchanged). Under -Sudo the destination is looked at as root
    /// (RootView) and written only where RootPath finds no other user able to redirect it.
    /// </summary>
    internal sealed class FileUploader
    {
        private const int PrivateDirectoryMode = 0x1C0; // 0700

        private readonly CopyContext _c;

        /// <summary>-Sudo: the mktemp -d directory the uploads wait in, readable by the login user only.</summary>
        private string? _privateDirectory;

        /// <summary>Without -Sudo: per destination directory, the 0700 directory beside it the uploads wait in.</summary>
        private readonly Dictionary<string, string> _stagingDirectories = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>-Sudo: who may change a path root writes through besides the destination's owner (root, the login user).</summary>
        private RootTrust? _trust;

        /// <summary>-Sudo: what root has seen so far; each later look asks only about new paths.</summary>
        private RootView? _rootView;

        private FileUploader(CopyContext context)
        {
            _c = context;
        }

        public static Task RunAsync(CopyContext context, IReadOnlyList<CopySource> sources, string destination) => new FileUploader(context).UploadAsync(sources, destination);

        private sealed class Item
        {
            public Item(PlannedFile planned)
            {
                Planned = planned;
                Resolved = planned.Target;
            }

            public PlannedFile Planned { get; }

            public Stopwatch Clock { get; } = Stopwatch.StartNew();

            /// <summary>The path to replace: the target with links followed, as cp writes through a link; under -Sudo the target itself.</summary>
            public string Resolved { get; set; }

            /// <summary>The regular file being replaced.</summary>
            public RemoteFileInfo? Existing { get; set; }

            /// <summary>-Sudo: a symbolic link is at the target; it is replaced by the file, never followed.</summary>
            public bool ReplacesLink { get; set; }

            public string? Sha256 { get; set; }

            public long Length { get; set; }

            /// <summary>The uploaded copy, until it replaces the destination or is removed.</summary>
            public string? Temp { get; set; }

            public string? BackupPath { get; set; }
        }

        private async Task UploadAsync(IReadOnlyList<CopySource> sources, string destination)
        {
            await _c.PrepareAsync(upload: true).ConfigureAwait(false);
            var plan = _c.Options.Sudo ? await PlanAsRootAsync(sources, destination).ConfigureAwait(false) : Plan(sources, destination);
            if (plan == null)
            {
                return;
            }

            foreach (var skipped in plan.Skipped)
            {
                _c.Emit(Result(skipped.Key, skipped.Key, FileCopyAction.Skipped, 0, null, TimeSpan.Zero, null, skipped.Value));
            }

            if (!await MakeDirectoriesAsync(plan).ConfigureAwait(false))
            {
                return;
            }

            var items = _c.Options.Sudo ? await InspectAsRootAsync(plan.Files).ConfigureAwait(false) : await InspectAsync(plan.Files).ConfigureAwait(false);
            var toCopy = await DecideAsync(items).ConfigureAwait(false);
            if (toCopy.Count == 0)
            {
                return;
            }

            try
            {
                await UploadAllAsync(toCopy).ConfigureAwait(false);
                var verified = await VerifyAsync(toCopy).ConfigureAwait(false);
                if (PlacedByRenameAlone(verified))
                {
                    await PlaceSideBySideAsync(verified).ConfigureAwait(false);
                    return;
                }

                foreach (var item in verified)
                {
                    _c.Stop.ThrowIfCancellationRequested();
                    try
                    {
                        await ValidateAsync(item).ConfigureAwait(false);
                        await PlaceAsync(item).ConfigureAwait(false);
                        _c.Emit(Result(item, FileCopyAction.Copied, null, _c.Verification));
                    }
                    catch (SentinelException e)
                    {
                        Failed(item, e);
                    }
                    catch (FileTransferException e)
                    {
                        Failed(item, _c.Failed(item.Planned.Target, e));
                    }
                }
            }
            finally
            {
                await CleanUpAsync(toCopy).ConfigureAwait(false);
            }
        }

        /// <summary>The copy plan against what the destination is on the host; null (error written) when it cannot be done.</summary>
        private CopyPlan? Plan(IReadOnlyList<CopySource> sources, string destination)
        {
            RemoteFileInfo? info;
            try
            {
                info = _c.Transfer.Stat(destination);
            }
            catch (FileTransferException e)
            {
                _c.Fail(_c.Failed(destination, e));
                return null;
            }

            var kind = info == null ? DestinationKind.Missing : info.Kind == RemoteFileKind.Directory ? DestinationKind.Directory : DestinationKind.File;
            var plan = CopyPlanner.Plan(sources, destination, kind, _c.Options.Recurse, RemotePath.Combine);
            if (plan.Error != null)
            {
                _c.Fail(FileErrors.CopyFailed(_c.Host, destination, plan.Error));
                return null;
            }

            return plan;
        }

        /// <summary>
        /// The plan under -Sudo, from what root sees: the destination made absolute (stat, install and mv
        /// run in the login directory, SFTP resolves against it too) and refused when it holds '..'.
        /// </summary>
        private async Task<CopyPlan?> PlanAsRootAsync(IReadOnlyList<CopySource> sources, string destination)
        {
            try
            {
                _trust = await RootTrust.LoadAsync(_c).ConfigureAwait(false);
                var absolute = RootPath.Normalize(destination, _trust.Home);
                if (absolute == null)
                {
                    _c.Fail(FileErrors.UnsafeDestination(_c.Host, destination, "under -Sudo a destination may not hold '..' (behind a link it would not mean what it says)"));
                    return null;
                }

                // The destination, and each source's name inside it should it be a directory: for a plain copy
                // the one look that decides the plan also sees every target.
                var paths = RootView.PathsFor(absolute).Concat(sources.SelectMany(source => RootView.PathsFor(RemotePath.Combine(absolute, source.Name))));
                var view = _rootView = await RootView.LoadAsync(_c, paths).ConfigureAwait(false);
                var kind = view.Entry(absolute) == null ? DestinationKind.Missing : view.DirectoryAt(absolute) != null ? DestinationKind.Directory : DestinationKind.File;
                var plan = CopyPlanner.Plan(sources, absolute, kind, _c.Options.Recurse, RemotePath.Combine);
                if (plan.Error != null)
                {
                    _c.Fail(FileErrors.CopyFailed(_c.Host, destination, plan.Error));
                    return null;
                }

                return plan;
            }
            catch (FileTransferException e)
            {
                _c.Fail(_c.Failed(destination, e));
                return null;
            }
            catch (SentinelException e)
            {
                _c.Fail(e);
                return null;
            }
        }

        private async Task<bool> MakeDirectoriesAsync(CopyPlan plan)
        {
            if (_c.Options.Sudo)
            {
                return await MakeDirectoriesAsRootAsync(plan).ConfigureAwait(false);
            }

            foreach (var directory in plan.Directories)
            {
                try
                {
                    var info = _c.Transfer.Stat(directory);
                    if (info?.Kind == RemoteFileKind.Directory)
                    {
                        continue;
                    }

                    if (info != null)
                    {
                        throw FileErrors.CopyFailed(_c.Host, directory, "it exists and is not a directory");
                    }

                    if (!await _c.Confirm($"{directory} on {_c.Host}", "Create directory").ConfigureAwait(false))
                    {
                        return false;
                    }

                    _c.Transfer.CreateDirectory(directory);
                }
                catch (FileTransferException e)
                {
                    _c.Fail(_c.Failed(directory, e));
                    return false;
                }
                catch (SentinelException e)
                {
                    _c.Fail(e);
                    return false;
                }
            }

            return true;
        }

        /// <summary>Directories made by root, each only below directories no other user can change.</summary>
        private async Task<bool> MakeDirectoriesAsRootAsync(CopyPlan plan)
        {
            if (plan.Directories.Count == 0)
            {
                return true;
            }

            try
            {
                var view = _rootView = await RootView.LoadAsync(_c, plan.Directories.SelectMany(RootView.PathsFor), _rootView).ConfigureAwait(false);
                foreach (var directory in plan.Directories)
                {
                    if (view.DirectoryAt(directory) != null)
                    {
                        continue;
                    }

                    if (view.Entry(directory) != null)
                    {
                        throw FileErrors.CopyFailed(_c.Host, directory, "it exists and is not a directory");
                    }

                    var unsafeReason = RootPath.WhyUnsafe(directory, view, _trust!.Users, _trust.Groups);
                    if (unsafeReason != null)
                    {
                        throw FileErrors.UnsafeDestination(_c.Host, directory, unsafeReason);
                    }

                    if (!await _c.Confirm($"{directory} on {_c.Host}", "Create directory").ConfigureAwait(false))
                    {
                        return false;
                    }

                    await _c.RunStepAsync("install -d -- " + ShellQuote.Quote(directory), true, directory, "creating the directory").ConfigureAwait(false);
                }

                return true;
            }
            catch (SentinelException e)
            {
                _c.Fail(e);
                return false;
            }
        }

        /// <summary>
        /// What root sees at each target: a regular file to replace, a link to replace (not follow), or
        /// nothing; a target below a directory or link another user controls is refused.
        /// </summary>
        private async Task<List<Item>> InspectAsRootAsync(IEnumerable<PlannedFile> files)
        {
            var planned = files.ToList();
            // Directories made since the first look are absent from it, which is right: root made them.
            var view = await RootView.LoadAsync(_c, planned.SelectMany(f => RootView.PathsFor(f.Target)), _rootView).ConfigureAwait(false);
            var items = new List<Item>();
            foreach (var file in planned)
            {
                var item = new Item(file);
                try
                {
                    var existing = view.Entry(file.Target);
                    switch (existing?.Kind)
                    {
                        case null:
                            break;
                        case RemoteFileKind.File:
                            item.Existing = existing;
                            break;
                        case RemoteFileKind.SymbolicLink:
                            item.ReplacesLink = true;
                            break;
                        case RemoteFileKind.Directory:
                            throw FileErrors.CopyFailed(_c.Host, file.Target, "it is a directory");
                        default:
                            throw FileErrors.CopyFailed(_c.Host, file.Target, "it is not a regular file");
                    }

                    var unsafeReason = RootPath.WhyUnsafe(file.Target, view, _trust!.With(item.Existing?.UserId), _trust.Groups);
                    if (unsafeReason != null)
                    {
                        throw FileErrors.UnsafeDestination(_c.Host, file.Target, unsafeReason);
                    }

                    items.Add(item);
                }
                catch (SentinelException e)
                {
                    Failed(item, e);
                }
            }

            return items;
        }

        /// <summary>What is at each target now (the looks in flight side by side); a target that cannot be replaced by a file fails here.</summary>
        private async Task<List<Item>> InspectAsync(List<PlannedFile> files)
        {
            var looks = new RemoteFileInfo?[files.Count];
            var lookFailures = new FileTransferException?[files.Count];
            await InFlight.ForEachAsync(
                files.Count,
                async index =>
                {
                    try
                    {
                        looks[index] = await _c.Transfer.StatAsync(files[index].Target, _c.Stop).ConfigureAwait(false);
                    }
                    catch (FileTransferException e)
                    {
                        lookFailures[index] = e;
                    }
                },
                _c.Stop).ConfigureAwait(false);
            var items = new List<Item>();
            for (var index = 0; index < files.Count; index++)
            {
                var file = files[index];
                var item = new Item(file);
                try
                {
                    var existing = lookFailures[index] is FileTransferException failure ? throw failure : looks[index];
                    switch (existing?.Kind)
                    {
                        case null:
                            break;
                        case RemoteFileKind.File:
                            item.Existing = existing;
                            item.Resolved = existing.FullName;
                            break;
                        case RemoteFileKind.Directory:
                            throw FileErrors.CopyFailed(_c.Host, file.Target, "it is a directory");
                        case RemoteFileKind.SymbolicLink:
                            throw FileErrors.CopyFailed(_c.Host, file.Target, "it is a symbolic link to nothing");
                        default:
                            throw FileErrors.CopyFailed(_c.Host, file.Target, "it is not a regular file");
                    }

                    items.Add(item);
                }
                catch (FileTransferException e)
                {
                    Failed(item, _c.Failed(file.Target, e));
                }
                catch (SentinelException e)
                {
                    Failed(item, e);
                }
            }

            return items;
        }

        /// <summary>Unchanged, refused (exists, no -Force), declined (ShouldProcess), or to copy.</summary>
        private async Task<List<Item>> DecideAsync(List<Item> items)
        {
            // Files of different sizes differ: only a destination that could be the same is hashed (read back, without a program for it).
            var existing = items.Where(i => i.Existing != null && LocalLength(i.Planned.Source) == i.Existing.Length).ToList();
            var hashes = await _c.RemoteHashesAsync(existing.Select(i => i.Resolved).ToList(), _c.Options.Sudo).ConfigureAwait(false);
            var remoteHash = new Dictionary<Item, string?>();
            for (var i = 0; i < existing.Count; i++)
            {
                remoteHash[existing[i]] = hashes[i].Value;
            }

            var toCopy = new List<Item>();
            foreach (var item in items)
            {
                _c.Stop.ThrowIfCancellationRequested();
                try
                {
                    if (item.ReplacesLink && !_c.Options.Force)
                    {
                        Failed(item, FileErrors.Exists(_c.Host, item.Planned.Target));
                        continue;
                    }

                    if (item.Existing != null)
                    {
                        // Files of different sizes differ: the local file is hashed only when it could be the same.
                        var local = remoteHash.TryGetValue(item, out var remote) && remote != null ? HashingStream.OfFile(item.Planned.Source, _c.Stop) : null;
                        if (local != null && remote == local)
                        {
                            item.Sha256 = local;
                            item.Length = item.Existing.Length;
                            _c.Emit(Result(item, FileCopyAction.Unchanged, null, _c.Verification));
                            continue;
                        }

                        if (!_c.Options.Force)
                        {
                            Failed(item, FileErrors.Exists(_c.Host, item.Planned.Target));
                            continue;
                        }
                    }

                    var action = item.ReplacesLink ? "Replace symbolic link with file" : item.Existing == null ? "Create file" : (_c.Options.Backup ? "Replace file (keeping a backup)" : "Replace file");
                    if (await _c.Confirm($"{item.Planned.Target} on {_c.Host}", $"{action} from {item.Planned.Source}").ConfigureAwait(false))
                    {
                        item.Length = new FileInfo(item.Planned.Source).Length;
                        toCopy.Add(item);
                    }
                }
                catch (IOException e)
                {
                    Failed(item, FileErrors.CopyFailed(_c.Host, item.Planned.Source, "cannot read the local file: " + e.Message, inner: e));
                }
                catch (UnauthorizedAccessException e)
                {
                    Failed(item, FileErrors.CopyFailed(_c.Host, item.Planned.Source, "cannot read the local file: " + e.Message, permissionDenied: true, inner: e));
                }
            }

            return toCopy;
        }

        private async Task UploadAllAsync(List<Item> items)
        {
            if (_c.Options.Sudo)
            {
                // A directory only the login user can enter: the uploads are never readable by others.
                var made = await _c.RunAsync("mktemp -d", false, _c.Stop).ConfigureAwait(false);
                var path = made.Output.TrimEnd('\n');
                if (!made.Succeeded || !path.StartsWith("/", StringComparison.Ordinal) || path.IndexOf('\n') >= 0)
                {
                    throw FileErrors.CopyFailed(_c.Host, "mktemp -d", "could not make a private temporary directory: " + (made.Error + made.Output).Trim());
                }

                _privateDirectory = path;
            }

            // The names first, in order: making a staging directory is a step of its own.
            var failures = new SentinelException?[items.Count];
            for (var index = 0; index < items.Count; index++)
            {
                _c.Stop.ThrowIfCancellationRequested();
                try
                {
                    items[index].Temp = RemotePath.Combine(_privateDirectory ?? StagingDirectoryFor(items[index].Resolved), index.ToString(CultureInfo.InvariantCulture));
                }
                catch (FileTransferException e)
                {
                    failures[index] = _c.Failed(items[index].Planned.Target, e);
                }
            }

            var total = items.Sum(i => i.Length);
            long done = 0;
            try
            {
                await InFlight.ForEachAsync(
                    items.Count,
                    async index =>
                    {
                        var item = items[index];
                        if (failures[index] != null)
                        {
                            return;
                        }

                        long sent = 0;
                        try
                        {
                            using (var file = new FileStream(item.Planned.Source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                            using (var hashing = new HashingStream(file))
                            {
                                await _c.Transfer.UploadNewAsync(hashing, item.Temp!, now => _c.Progress(item.Planned.Target, Interlocked.Add(ref done, now - Interlocked.Exchange(ref sent, now)), total), _c.Stop).ConfigureAwait(false);
                                item.Sha256 = hashing.Finish();
                                item.Length = hashing.BytesHashed;
                            }
                        }
                        catch (Exception e) when (e is FileTransferException || e is IOException || e is UnauthorizedAccessException)
                        {
                            failures[index] = e is FileTransferException transfer
                                ? _c.Failed(item.Planned.Target, transfer)
                                : FileErrors.CopyFailed(_c.Host, item.Planned.Source, "cannot read the local file: " + e.Message, e is UnauthorizedAccessException, e);
                        }

                        _c.Progress(item.Planned.Target, Interlocked.Add(ref done, item.Length - Interlocked.Exchange(ref sent, item.Length)), total);
                    },
                    _c.Stop).ConfigureAwait(false);
            }
            finally
            {
                // Failures are told in the files' order, as when they went one at a time.
                for (var index = 0; index < items.Count; index++)
                {
                    if (failures[index] is SentinelException error)
                    {
                        Failed(items[index], error);
                        RemoveTemp(items[index]);
                        items[index].Sha256 = null;
                    }
                }
            }
        }

        /// <summary>
        /// The 0700 directory beside <paramref name="target"/> that uploads into its directory wait in. SFTP
        /// cannot give a new file its mode when it opens it (SSH.NET sends no attributes), and a file born
        /// 0644 can be opened by another user before a chmod and read through that descriptor once the
        /// secret is in it. Inside a directory only its owner can enter, nobody else ever reaches the file;
        /// the directory is empty until it is 0700. A rename takes the file out to the destination.
        /// </summary>
        private string StagingDirectoryFor(string target)
        {
            var directory = RemotePath.DirectoryOf(target);
            if (!_stagingDirectories.TryGetValue(directory, out var staging))
            {
                staging = RemotePath.Combine(directory, ".sentinel-" + RemotePath.NewUnique() + ".tmp");
                _c.Transfer.CreateDirectory(staging);
                _stagingDirectories[directory] = staging;
                _c.Transfer.SetMode(staging, PrivateDirectoryMode);
            }

            return staging;
        }

        /// <summary>The uploads whose SHA-256 on the host matches what was sent; the others fail.</summary>
        private async Task<List<Item>> VerifyAsync(List<Item> items)
        {
            var uploaded = items.Where(i => i.Temp != null && i.Sha256 != null).ToList();
            var hashes = await _c.RemoteHashesAsync(uploaded.Select(i => i.Temp!).ToList(), sudo: false).ConfigureAwait(false);
            var verified = new List<Item>();
            for (var i = 0; i < uploaded.Count; i++)
            {
                if (hashes[i].Value == null)
                {
                    Failed(uploaded[i], _c.Unverified(uploaded[i].Planned.Target, hashes[i]));
                }
                else if (hashes[i].Value == uploaded[i].Sha256)
                {
                    verified.Add(uploaded[i]);
                }
                else
                {
                    Failed(uploaded[i], FileErrors.VerificationFailed(_c.Host, uploaded[i].Planned.Target, uploaded[i].Sha256!, hashes[i].Value));
                }
            }

            return verified;
        }

        /// <summary>
        /// True when putting each file in place takes only SFTP: its mode and a rename (no -Sudo, -Validate,
        /// -Backup, -Owner or -Group, no special mode bits, no replaced file whose owner to keep), and no two
        /// files go to one path (their renames would race; one after the other, the last one wins as it always did).
        /// </summary>
        private bool PlacedByRenameAlone(List<Item> items) =>
            !_c.Options.Sudo && _c.Options.Validate == null && !_c.Options.Backup && _c.Options.Owner == null && _c.Options.Group == null
            && items.All(item => item.Existing == null && ModeOf(item) <= Convert.ToInt32("777", 8))
            && items.Select(item => item.Resolved).Distinct(StringComparer.Ordinal).Count() == items.Count;

        /// <summary>
        /// Each verified upload's mode, then its rename, with many files in flight at once; results are told
        /// in the files' order. Not interrupted by a stop once a file's steps began.
        /// </summary>
        private async Task PlaceSideBySideAsync(List<Item> items)
        {
            var outcomes = new SentinelException?[items.Count];
            var placed = new bool[items.Count];
            try
            {
                await InFlight.ForEachAsync(
                    items.Count,
                    async index =>
                    {
                        var item = items[index];
                        try
                        {
                            await _c.Transfer.SetModeAsync(item.Temp!, ModeOf(item), CancellationToken.None).ConfigureAwait(false);
                            await _c.Transfer.ReplaceAsync(item.Temp!, item.Resolved, CancellationToken.None).ConfigureAwait(false);
                            item.Temp = null;
                        }
                        catch (FileTransferException e)
                        {
                            outcomes[index] = _c.Failed(item.Planned.Target, e);
                        }

                        placed[index] = true;
                    },
                    _c.Stop).ConfigureAwait(false);
            }
            finally
            {
                for (var index = 0; index < items.Count; index++)
                {
                    if (!placed[index])
                    {
                        continue;
                    }

                    if (outcomes[index] is SentinelException error)
                    {
                        Failed(items[index], error);
                    }
                    else
                    {
                        _c.Emit(Result(items[index], FileCopyAction.Copied, null, _c.Verification));
                    }
                }
            }
        }

        private int ModeOf(Item item) => _c.Options.Mode ?? item.Existing?.Mode ?? NewFileMode(item.Planned.Source);

        private async Task ValidateAsync(Item item)
        {
            if (_c.Options.Validate == null)
            {
                return;
            }

            var command = ValidateCommand.Substitute(_c.Options.Validate, item.Temp!);
            var result = await _c.RunAsync(command, _c.Options.Sudo, _c.Stop).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw FileErrors.ValidationFailed(_c.Host, item.Planned.Target, command, result.ExitCode, (result.Output + "\n" + result.Error).Trim());
            }
        }

        /// <summary>Puts a verified upload in place. Not interrupted by a stop: each step is short and bounded.</summary>
        private async Task PlaceAsync(Item item)
        {
            var mode = ModeOf(item);
            var owner = _c.Options.Owner ?? item.Existing?.UserId.ToString(CultureInfo.InvariantCulture);
            var group = _c.Options.Group ?? item.Existing?.GroupId.ToString(CultureInfo.InvariantCulture);
            // A replaced link gives nothing to keep: the new file is a new file.
            var backup = _c.Options.Backup && item.Existing != null ? RemotePath.BackupName(item.Resolved, DateTime.UtcNow) : null;
            if (_c.Options.Sudo)
            {
                await PlaceWithSudoAsync(item, mode, owner, group, backup).ConfigureAwait(false);
            }
            else
            {
                await PlaceAsLoginUserAsync(item, mode, backup).ConfigureAwait(false);
            }

            item.BackupPath = backup;
        }

        private async Task PlaceAsLoginUserAsync(Item item, int mode, string? backup)
        {
            var temp = item.Temp!;
            if (_c.Options.Owner != null || _c.Options.Group != null)
            {
                var owner = (_c.Options.Owner ?? string.Empty) + (_c.Options.Group != null ? ":" + _c.Options.Group : string.Empty);
                await _c.RunStepAsync($"chown {ShellQuote.Quote(owner)} -- {ShellQuote.Quote(temp)}", false, item.Planned.Target, "setting the owner").ConfigureAwait(false);
            }
            else if (item.Existing != null)
            {
                KeepOwner(item, temp);
            }

            if (mode > Convert.ToInt32("777", 8))
            {
                await _c.RunStepAsync($"chmod {Octal(mode)} -- {ShellQuote.Quote(temp)}", false, item.Planned.Target, "setting the mode").ConfigureAwait(false);
            }
            else
            {
                _c.Transfer.SetMode(temp, mode);
            }

            if (backup != null)
            {
                await KeepBackupAsync(item, backup).ConfigureAwait(false);
            }

            _c.Transfer.Replace(temp, item.Resolved);
            item.Temp = null;
        }

        /// <summary>
        /// A rename puts the login user's new file in place, so the replaced file's owner and group are
        /// given to it first. Where the login user may not (another user's file, a group it is not in),
        /// the file is still replaced, as before, and a warning says whose it now is.
        /// </summary>
        private void KeepOwner(Item item, string temp)
        {
            var existing = item.Existing!;
            try
            {
                _c.Transfer.SetOwner(temp, existing.UserId, existing.GroupId);
            }
            catch (FileTransferException e)
            {
                _c.Warn($"{_c.Host}: '{item.Planned.Target}' belonged to user id {existing.UserId} and group id {existing.GroupId}, which the login user cannot give the new copy ({e.Message}); it now belongs to the login user. Use -Sudo (or -Owner and -Group) to choose its owner.");
            }
        }

        /// <summary>
        /// A hard link keeps the previous file itself (its inode, owner and mode) at no copying cost; -T
        /// makes ln fail, not write elsewhere, when something already sits at the predictable backup name.
        /// Where ln cannot (protected_hardlinks, or that name taken), a copy is made in the private staging
        /// directory and renamed over the name: a link planted there is replaced, never written through.
        /// </summary>
        private async Task KeepBackupAsync(Item item, string backup)
        {
            var (from, to) = (ShellQuote.Quote(item.Resolved), ShellQuote.Quote(backup));
            var linked = await _c.RunAsync($"ln -T -- {from} {to}", false, CancellationToken.None, CopyContext.PlacementTimeout).ConfigureAwait(false);
            if (linked.Succeeded)
            {
                return;
            }

            var copy = RemotePath.Combine(StagingDirectoryFor(item.Resolved), "backup");
            await _c.RunStepAsync($"cp -p -- {from} {ShellQuote.Quote(copy)}", false, item.Planned.Target, "keeping the backup").ConfigureAwait(false);
            try
            {
                _c.Transfer.Replace(copy, backup);
            }
            catch (FileTransferException)
            {
                RemoveQuietly(copy);
                throw;
            }
        }

        /// <summary>
        /// install gives the file its mode and owner under a temporary name beside the destination (the
        /// same file system, so the rename is atomic), then mv -T renames it over the destination: over a
        /// link there, not into the directory it may point to. Each is a simple command, so sudoers rules
        /// can allow exactly install, mv (and ln for -Backup, rm to clean up).
        /// </summary>
        private async Task PlaceWithSudoAsync(Item item, int mode, string? owner, string? group, string? backup)
        {
            var staged = RemotePath.TempName(RemotePath.DirectoryOf(item.Resolved), RemotePath.NameOf(item.Resolved), RemotePath.NewUnique());
            var install = "install -m " + Octal(mode)
                + (owner != null ? " -o " + ShellQuote.Quote(owner) : string.Empty)
                + (group != null ? " -g " + ShellQuote.Quote(group) : string.Empty)
                + " -- " + ShellQuote.Quote(item.Temp!) + " " + ShellQuote.Quote(staged);
            try
            {
                await _c.RunStepAsync(install, true, item.Planned.Target, "installing the file").ConfigureAwait(false);
                if (backup != null)
                {
                    await _c.RunStepAsync($"ln -T -- {ShellQuote.Quote(item.Resolved)} {ShellQuote.Quote(backup)}", true, item.Planned.Target, "keeping the backup").ConfigureAwait(false);
                }

                await _c.RunStepAsync($"mv -f -T -- {ShellQuote.Quote(staged)} {ShellQuote.Quote(item.Resolved)}", true, item.Planned.Target, "renaming the file into place").ConfigureAwait(false);
                staged = null;
            }
            finally
            {
                if (staged != null)
                {
                    await RemoveQuietlyAsync($"rm -f -- {ShellQuote.Quote(staged)}", sudo: true).ConfigureAwait(false);
                }
            }
        }

        private async Task CleanUpAsync(List<Item> items)
        {
            foreach (var item in items)
            {
                RemoveTemp(item);
            }

            foreach (var staging in _stagingDirectories.Values)
            {
                try
                {
                    _c.Transfer.RemoveDirectory(staging);
                }
                catch (FileTransferException e)
                {
                    _c.Warn($"{_c.Host}: could not remove the temporary directory '{staging}' ({e.Message}); remove it by hand.");
                }
            }

            if (_privateDirectory != null)
            {
                await RemoveQuietlyAsync("rm -rf -- " + ShellQuote.Quote(_privateDirectory), sudo: false).ConfigureAwait(false);
            }
        }

        private void RemoveTemp(Item item)
        {
            if (item.Temp != null && RemoveQuietly(item.Temp))
            {
                item.Temp = null;
            }
        }

        /// <summary>Removes a file the copy made; a failure (a connection gone) is told as a warning naming what stays.</summary>
        private bool RemoveQuietly(string path)
        {
            try
            {
                _c.Transfer.Remove(path);
                return true;
            }
            catch (FileTransferException e)
            {
                _c.Warn($"{_c.Host}: could not remove the temporary file '{path}' ({e.Message}); remove it by hand.");
                return false;
            }
        }

        /// <summary>Cleanup that runs even after a stop; its failure is told, never thrown over the real outcome.</summary>
        private async Task RemoveQuietlyAsync(string command, bool sudo)
        {
            try
            {
                var result = await _c.RunAsync(command, sudo, CancellationToken.None, CopyContext.PlacementTimeout).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    _c.Warn($"{_c.Host}: cleanup '{command}' failed: {result.Error.Trim()}");
                }
            }
            catch (SentinelException e)
            {
                _c.Warn($"{_c.Host}: cleanup '{command}' failed: {e.Message}");
            }
        }

        /// <summary>A new file gets the source's permission bits without write for group and others (as cp under umask 022).</summary>
        private static int NewFileMode(string source) => (UnixPermissions.TryGet(source) ?? Convert.ToInt32("644", 8)) & Convert.ToInt32("755", 8);

        private static string Octal(int mode) => Convert.ToString(mode, 8).PadLeft(4, '0');

        private void Failed(Item item, SentinelException error)
        {
            _c.Fail(error);
            _c.Emit(Result(item, FileCopyAction.Failed, error.Message));
        }

        private FileCopyResult Result(Item item, FileCopyAction action, string? message, FileCopyVerification verification = FileCopyVerification.None) =>
            Result(item.Planned.Source, item.Planned.Target, action, item.Length, item.Sha256, item.Clock.Elapsed, item.BackupPath, message, verification);

        private FileCopyResult Result(string source, string destination, FileCopyAction action, long length, string? sha256, TimeSpan duration, string? backup, string? message, FileCopyVerification verification = FileCopyVerification.None) =>
            new FileCopyResult(_c.Host, _c.Session.Id, FileCopyDirection.Upload, source, destination, action, length, sha256, duration, backup, message, verification);

        /// <summary>The local file's length; -1 when it cannot be read (that fails the file in its own place).</summary>
        private static long LocalLength(string path)
        {
            try
            {
                return new FileInfo(path).Length;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return -1;
            }
        }
    }
}
