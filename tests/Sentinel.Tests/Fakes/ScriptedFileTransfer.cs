using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Execution;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Tests.Fakes
{
    /// <summary>
    /// A remote file tree in memory behind IFileTransfer, for downloads: SFTP stat, listings and reads,
    /// and the copy's probe and sha256sum (or shasum, sha256, openssl) through <see cref="Run"/>, with
    /// faults scripted per path. Every write throws: a
    /// download must never change the remote side.
    /// </summary>
    internal sealed class ScriptedFileTransfer : IFileTransfer
    {
        /// <summary>rw-r--r--, the mode of a file added without one.</summary>
        public const int FileMode = 0x1A4;

        private const int DirectoryMode = 0x1ED;

        private readonly object _gate = new object();
        private readonly List<string> _reads = new List<string>();
        private readonly List<string> _commands = new List<string>();

        public Dictionary<string, byte[]> Files { get; } = new Dictionary<string, byte[]>(StringComparer.Ordinal);

        public Dictionary<string, int> Modes { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

        public HashSet<string> Directories { get; } = new HashSet<string>(StringComparer.Ordinal) { "/" };

        /// <summary>Listing a directory here throws its exception (a listing that fails mid-way).</summary>
        public Dictionary<string, FileTransferException> ListFailures { get; } = new Dictionary<string, FileTransferException>(StringComparer.Ordinal);

        /// <summary>More names a directory's listing gives, as files, exactly as a (hostile) server sends them.</summary>
        public Dictionary<string, string[]> ExtraNames { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal);

        /// <summary>Directories whose listing never ends (files f0, f1, ...), read only as far as asked.</summary>
        public HashSet<string> EndlessListings { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>A directory under which every directory holds one more directory, d, for ever.</summary>
        public string? Bottomless { get; set; }

        /// <summary>A read of this file throws its exception once the first half of the file has been delivered.</summary>
        public Dictionary<string, FileTransferException> ReadFailures { get; } = new Dictionary<string, FileTransferException>(StringComparer.Ordinal);

        /// <summary>What a read of this file delivers instead of the file sha256sum hashes (a copy changed on the way).</summary>
        public Dictionary<string, byte[]> Served { get; } = new Dictionary<string, byte[]>(StringComparer.Ordinal);

        /// <summary>Files sha256sum prints no line for (it could not read them).</summary>
        public HashSet<string> Unhashable { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>Files the login user may not read: SFTP refuses them, hash programs say so on stderr.</summary>
        public HashSet<string> Unreadable { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>The SHA-256 programs on the host's PATH.</summary>
        public HashSet<string> HashPrograms { get; } = new HashSet<string>(StringComparer.Ordinal) { "sha256sum" };

        /// <summary>The account may use SFTP only: every command gets OpenSSH's refusal instead of running.</summary>
        public bool SftpOnly { get; set; }

        /// <summary>Called with the path once the first half of a read has been delivered, before any scripted fault.</summary>
        public Action<string>? DuringRead { get; set; }

        private readonly TaskCompletionSource<bool> _enoughInFlight = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _readsInFlight;

        /// <summary>Each read waits until this many are in flight at once (or a hang ceiling passes, then none waits): 0 for none.</summary>
        public int HoldReadsUntilInFlight { get; set; }

        /// <summary>The most reads that were in flight at once.</summary>
        public int MostReadsInFlight { get; private set; }

        /// <summary>The most entries any listing was asked for.</summary>
        public int MostAsked { get; private set; }

        /// <summary>The files read, in order.</summary>
        public IReadOnlyList<string> Reads
        {
            get
            {
                lock (_gate)
                {
                    return _reads.ToList();
                }
            }
        }

        /// <summary>The command lines <see cref="Run"/> received, in order.</summary>
        public IReadOnlyList<string> Commands
        {
            get
            {
                lock (_gate)
                {
                    return _commands.ToList();
                }
            }
        }

        /// <summary>Adds a file and the directories above it.</summary>
        public ScriptedFileTransfer AddFile(string path, string content, int mode = FileMode)
        {
            AddDirectory(ParentOf(path));
            Files[path] = Encoding.UTF8.GetBytes(content);
            Modes[path] = mode;
            return this;
        }

        /// <summary>Adds a directory and the directories above it.</summary>
        public ScriptedFileTransfer AddDirectory(string path)
        {
            for (var at = path; at != "/" && Directories.Add(at); at = ParentOf(at))
            {
            }

            return this;
        }

        public RemoteFileInfo? Stat(string path) =>
            path == "." ? new RemoteFileInfo("/home/ops", RemoteFileKind.Directory, 0, DirectoryMode, 1000, 1000)
            : Files.TryGetValue(path, out var bytes) ? new RemoteFileInfo(path, RemoteFileKind.File, bytes.Length, Modes[path], 1000, 1000)
            : IsDirectory(path) ? new RemoteFileInfo(path, RemoteFileKind.Directory, 0, DirectoryMode, 1000, 1000)
            : null;

        public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken) => Task.FromResult(Stat(path));

        public Task<IReadOnlyList<RemoteFileInfo>> ListAsync(string directory, int maxEntries, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            MostAsked = Math.Max(MostAsked, maxEntries);
            if (ListFailures.TryGetValue(directory, out var failure))
            {
                throw failure;
            }

            if (!IsDirectory(directory))
            {
                throw new FileTransferException($"No such file: {directory}", permissionDenied: false);
            }

            var children = Directories.Where(d => d != "/" && ParentOf(d) == directory).Select(d => Stat(d)!)
                .Concat(Files.Keys.Where(f => ParentOf(f) == directory).Select(f => Stat(f)!))
                .Concat(IsBottomless(directory) ? new[] { Stat(Combine(directory, "d"))! } : new RemoteFileInfo[0])
                .Concat((ExtraNames.TryGetValue(directory, out var names) ? names : new string[0]).Select(name => Hostile(directory, name)))
                .Concat(EndlessListings.Contains(directory) ? Enumerable.Range(0, int.MaxValue).Select(i => Hostile(directory, "f" + i)) : new RemoteFileInfo[0]);
            IReadOnlyList<RemoteFileInfo> listed = children.Take(maxEntries).ToList();
            return Task.FromResult(listed);
        }

        public async Task DownloadAsync(string path, Stream destination, Action<long> progress, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _reads.Add(path);
                MostReadsInFlight = Math.Max(MostReadsInFlight, ++_readsInFlight);
                if (_readsInFlight >= HoldReadsUntilInFlight)
                {
                    _enoughInFlight.TrySetResult(true);
                }
            }

            try
            {
                if (HoldReadsUntilInFlight > 0 && await Task.WhenAny(_enoughInFlight.Task, Task.Delay(TimeSpan.FromSeconds(10))) != _enoughInFlight.Task)
                {
                    _enoughInFlight.TrySetResult(false);
                }
            }
            finally
            {
                lock (_gate)
                {
                    _readsInFlight--;
                }
            }

            if (!Files.TryGetValue(path, out var bytes))
            {
                throw new FileTransferException($"No such file: {path}", permissionDenied: false);
            }

            if (Unreadable.Contains(path))
            {
                throw new FileTransferException("Permission denied", permissionDenied: true);
            }

            bytes = Served.TryGetValue(path, out var served) ? served : bytes;
            var half = bytes.Length / 2;
            await destination.WriteAsync(bytes, 0, half, cancellationToken);
            await destination.FlushAsync(cancellationToken);
            progress(half);
            DuringRead?.Invoke(path);
            if (ReadFailures.TryGetValue(path, out var failure))
            {
                throw failure;
            }

            cancellationToken.ThrowIfCancellationRequested();
            await destination.WriteAsync(bytes, half, bytes.Length - half, cancellationToken);
            progress(bytes.Length);
        }

        /// <summary>Answers the probe and the hash programs as the host would; any other command is a test failure.</summary>
        public Task<CommandResult> Run(CommandRequest request, CancellationToken cancellationToken)
        {
            var command = request.Command;
            lock (_gate)
            {
                _commands.Add(command);
            }

            var program = command.Split(' ')[0];
            var (exit, output, error) = SftpOnly ? (1, "This service allows sftp connections only.\n", string.Empty)
                : program == "echo" ? (0, command.Split(' ')[1].TrimEnd(';') + "\n" + string.Concat(HashPrograms.Select(p => "/usr/bin/" + p + "\n")), string.Empty)
                : HashPrograms.Contains(program) ? Hash(program, QuotedWords.Of(command))
                : throw new InvalidOperationException("ScriptedFileTransfer: unexpected command: " + command);
            return Task.FromResult(new CommandResult("web01", 1, command, request.Sudo, exit, null, output, error, DateTime.Now, TimeSpan.Zero, output.Length, error.Length, false));
        }

        private (int Exit, string Output, string Error) Hash(string program, List<string> paths)
        {
            var output = new StringBuilder();
            var error = new StringBuilder();
            foreach (var path in paths.Where(p => Files.ContainsKey(p) && !Unhashable.Contains(p)))
            {
                if (Unreadable.Contains(path))
                {
                    error.Append(program).Append(": ").Append(path).Append(": Permission denied\n");
                    continue;
                }

                var hash = Convert.ToHexString(SHA256.HashData(Files[path])).ToLowerInvariant();
                output.Append(program switch
                {
                    "sha256" => hash + "\n",
                    "openssl" => hash + " *" + path + "\n",
                    _ => hash + "  " + path + "\n",
                });
            }

            return (error.Length == 0 ? 0 : 1, output.ToString(), error.ToString());
        }

        public Task UploadNewAsync(Stream source, string path, Action<long> progress, CancellationToken cancellationToken) => throw Refused(path);

        public void Replace(string from, string to) => throw Refused(to);

        public Task ReplaceAsync(string from, string to, CancellationToken cancellationToken) => throw Refused(to);

        public void Remove(string path) => throw Refused(path);

        public void CreateDirectory(string path) => throw Refused(path);

        public void RemoveDirectory(string path) => throw Refused(path);

        public void SetOwner(string path, int userId, int groupId) => throw Refused(path);

        public void SetMode(string path, int mode) => throw Refused(path);

        public Task SetModeAsync(string path, int mode, CancellationToken cancellationToken) => throw Refused(path);

        public void Dispose()
        {
        }

        private static InvalidOperationException Refused(string path) => new InvalidOperationException($"ScriptedFileTransfer: a download wrote to the remote side ({path}).");

        private static RemoteFileInfo Hostile(string directory, string name) => new RemoteFileInfo(Combine(directory, name), RemoteFileKind.File, 0, FileMode, 1000, 1000, name);

        private bool IsDirectory(string path) => Directories.Contains(path) || EndlessListings.Contains(path) || IsBottomless(path);

        private bool IsBottomless(string path) =>
            Bottomless != null && (path == Bottomless || (path.StartsWith(Bottomless + "/", StringComparison.Ordinal) && path.Substring(Bottomless.Length + 1).Split('/').All(s => s == "d")));

        private static string Combine(string directory, string name) => directory.EndsWith("/", StringComparison.Ordinal) ? directory + name : directory + "/" + name;

        private static string ParentOf(string path)
        {
            var at = path.LastIndexOf('/');
            return at <= 0 ? "/" : path.Substring(0, at);
        }

    }
}
