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
using Xunit;

namespace Sentinel.Tests.Fakes
{
    /// <summary>
    /// An in-memory host: its files, an SFTP view of them, and the few commands the uploader runs,
    /// among them the copy's probe (which SHA-256 programs exist) and each of those programs.
    /// </summary>
    internal sealed class MemoryHost : IFileTransfer
    {
        public Dictionary<string, byte[]> Files { get; } = new Dictionary<string, byte[]>(StringComparer.Ordinal);

        /// <summary>Symbolic links: path to target. SFTP's stat follows them; root's stat (lstat) shows them.</summary>
        public Dictionary<string, string> Links { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Owners other than root, by path.</summary>
        public Dictionary<string, int> Owners { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

        public HashSet<string> Directories { get; } = new HashSet<string>(StringComparer.Ordinal) { "/", "/tmp" };

        public List<(string From, string To)> Renames { get; } = new List<(string, string)>();

        public List<string> Commands { get; } = new List<string>();

        public List<string> SudoCommands { get; } = new List<string>();

        public int ValidateExit { get; set; }

        /// <summary>The SHA-256 programs on the host's PATH (sha256sum, shasum, sha256, openssl).</summary>
        public HashSet<string> HashPrograms { get; } = new HashSet<string>(StringComparer.Ordinal) { "sha256sum" };

        /// <summary>The account may use SFTP only: every command gets OpenSSH's refusal instead of running.</summary>
        public bool SftpOnly { get; set; }

        /// <summary>Files the login user may not read: SFTP refuses them and hash programs complain on stderr.</summary>
        public HashSet<string> Unreadable { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>Directories the login user may not write: SFTP refuses to make anything in them.</summary>
        public HashSet<string> UnwritableDirectories { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>Files read over SFTP, in order.</summary>
        public List<string> Reads { get; } = new List<string>();

        /// <summary>ln fails, as it does when something sits at the backup's name or protected_hardlinks refuses.</summary>
        public bool LinkFails { get; set; }

        public bool CorruptUploads { get; set; }

        public Action? DuringUpload { get; set; }

        /// <summary>The connection drops in the middle of an upload: every later SFTP request fails.</summary>
        public bool ConnectionLostDuringUpload { get; set; }

        private bool _lost;

        /// <summary>Uploads, stats and renames may overlap (several files in flight at once).</summary>
        private readonly object _gate = new object();

        private readonly TaskCompletionSource<bool> _enoughInFlight = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;

        /// <summary>Each upload waits until this many are in flight at once (or a hang ceiling passes, then none waits): 0 for none.</summary>
        public int HoldUploadsUntilInFlight { get; set; }

        /// <summary>The most uploads that were in flight at once.</summary>
        public int MostUploadsInFlight { get; private set; }

        private void ThrowWhenLost()
        {
            if (_lost)
            {
                throw new FileTransferException("the connection was lost", permissionDenied: false);
            }
        }

        public string Text(string path) => Encoding.UTF8.GetString(Files[path]);

        public RemoteFileInfo? Stat(string path) =>
            path == "." ? new RemoteFileInfo("/home/ops", RemoteFileKind.Directory, 0, Convert.ToInt32("755", 8), 1000, 1000)
            : Links.TryGetValue(path, out var target) ? Stat(target)
            : Files.TryGetValue(path, out var bytes) ? new RemoteFileInfo(path, RemoteFileKind.File, bytes.Length, Convert.ToInt32("644", 8), 0, 0)
            : Directories.Contains(path) ? new RemoteFileInfo(path, RemoteFileKind.Directory, 0, Convert.ToInt32("755", 8), 0, 0)
            : null;

        public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                return Task.FromResult(Stat(path));
            }
        }

        public Task<IReadOnlyList<RemoteFileInfo>> ListAsync(string directory, int maxEntries, CancellationToken cancellationToken) => throw new NotSupportedException();

        public async Task UploadNewAsync(Stream source, string path, Action<long> progress, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                Assert.False(Files.ContainsKey(path), "uploads go to a new name");
                Files[path] = new byte[0];
            }

            var copy = new MemoryStream();
            await source.CopyToAsync(copy);
            lock (_gate)
            {
                MostUploadsInFlight = Math.Max(MostUploadsInFlight, ++_inFlight);
                if (_inFlight >= HoldUploadsUntilInFlight)
                {
                    _enoughInFlight.TrySetResult(true);
                }
            }

            if (HoldUploadsUntilInFlight > 0 && await Task.WhenAny(_enoughInFlight.Task, Task.Delay(TimeSpan.FromSeconds(10))) != _enoughInFlight.Task)
            {
                _enoughInFlight.TrySetResult(false);
            }

            lock (_gate)
            {
                _inFlight--;
                DuringUpload?.Invoke();
                _lost |= ConnectionLostDuringUpload;
                ThrowWhenLost();
                cancellationToken.ThrowIfCancellationRequested();
                Files[path] = CorruptUploads ? copy.ToArray().Concat(new byte[] { 0 }).ToArray() : copy.ToArray();
            }
        }

        public async Task DownloadAsync(string path, Stream destination, Action<long> progress, CancellationToken cancellationToken)
        {
            Reads.Add(path);
            ThrowWhenLost();
            if (Unreadable.Contains(path))
            {
                throw new FileTransferException("Permission denied", permissionDenied: true);
            }

            var bytes = Files.TryGetValue(path, out var found) ? found : throw new FileTransferException($"No such file: {path}", permissionDenied: false);
            await destination.WriteAsync(bytes, 0, bytes.Length, cancellationToken);
            progress(bytes.Length);
        }

        public void Replace(string from, string to)
        {
            lock (_gate)
            {
                Renames.Add((from, to));
                Move(from, to);
            }
        }

        public Task ReplaceAsync(string from, string to, CancellationToken cancellationToken)
        {
            Replace(from, to);
            return Task.CompletedTask;
        }

        public void Remove(string path)
        {
            ThrowWhenLost();
            Files.Remove(path);
        }

        public void CreateDirectory(string path)
        {
            if (UnwritableDirectories.Contains(Sentinel.Files.RemotePath.DirectoryOf(path)))
            {
                throw new FileTransferException("Permission denied", permissionDenied: true);
            }

            Assert.True(Directories.Add(path), "a new directory");
        }


        public void RemoveDirectory(string path)
        {
            ThrowWhenLost();
            Assert.DoesNotContain(Files.Keys, f => f.StartsWith(path + "/", StringComparison.Ordinal));
            Directories.Remove(path);
        }

        public void SetOwner(string path, int userId, int groupId) => Owners[path] = userId;

        public void SetMode(string path, int mode)
        {
        }

        public Task SetModeAsync(string path, int mode, CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }

        public Task<CommandResult> Run(CommandRequest request, CancellationToken cancellationToken)
        {
            var (exit, output, error) = Answer(request.Command, request.Sudo);
            return Task.FromResult(new CommandResult("web01", 1, request.Command, request.Sudo, exit, null, output, error, DateTime.Now, TimeSpan.Zero, output.Length, error.Length, false));
        }

        /// <summary>
        /// The same host behind a <see cref="ScriptedConnection"/> (its OnStart): answers the line the
        /// command runner sends, a plain command or the first sudo attempt (as a NOPASSWD rule runs it).
        /// </summary>
        public IRemoteProcess Start(string commandLine)
        {
            var (command, sudo) = RunnerLine.Unwrap(commandLine);
            var (exit, output, error) = Answer(command, sudo);
            return new ScriptedProcess(output, error, exit);
        }

        private (int Exit, string Output, string Error) Answer(string command, bool sudo)
        {
            (sudo ? SudoCommands : Commands).Add(command);
            if (SftpOnly)
            {
                return (1, "This service allows sftp connections only.\n", string.Empty);
            }

            var words = Words(command);
            var program = command.Split(' ')[0];
            if (HashPrograms.Contains(program))
            {
                return Hash(program, words);
            }

            var (exit, output) = (0, string.Empty);
            switch (program)
            {
                case "echo":
                    // The copy's probe: its marker, then command -v's answer for each program there is.
                    output = command.Split(' ')[1].TrimEnd(';') + "\n" + string.Concat(HashPrograms.Select(p => "/usr/bin/" + p + "\n"));
                    break;
                case "sha256sum":
                case "shasum":
                case "sha256":
                case "openssl":
                    return (127, string.Empty, $"sh: 1: {program}: not found\n");
                case "id":
                    output = words.Count == 0 ? "uid=1000(ops) gid=1000(ops) groups=1000(ops)\n" : words[0] == "root" ? "0\n" : string.Empty;
                    exit = output.Length == 0 ? 1 : 0;
                    break;
                case "stat":
                    output = string.Concat(words.Skip(1).Select(RootStat));
                    break;
                case "ln":
                    if (LinkFails)
                    {
                        exit = 1;
                        break;
                    }

                    Files[words[1]] = Files[words[0]];
                    break;
                case "cp":
                    Files[words[1]] = Files[words[0]];
                    break;
                case "mktemp":
                    Directories.Add("/tmp/tmp.fake");
                    output = "/tmp/tmp.fake\n";
                    break;
                case "install":
                    Files[words[1]] = Files[words[0]];
                    break;
                case "mv":
                    Move(words[0], words[1]);
                    break;
                case "rm":
                    foreach (var path in Files.Keys.Where(p => p.StartsWith(words[0], StringComparison.Ordinal)).ToList())
                    {
                        Files.Remove(path);
                    }

                    break;
                case "check":
                    exit = ValidateExit;
                    output = exit == 0 ? string.Empty : "check says no";
                    break;
                default:
                    throw new InvalidOperationException("unexpected command: " + command);
            }

            return (exit, output, string.Empty);
        }

        /// <summary>What each program prints for the files it can read; a complaint on stderr for each other one.</summary>
        private (int Exit, string Output, string Error) Hash(string program, List<string> paths)
        {
            var output = new StringBuilder();
            var error = new StringBuilder();
            foreach (var path in paths)
            {
                if (!Files.ContainsKey(path) || Unreadable.Contains(path))
                {
                    error.Append($"{program}: {path}: {(Files.ContainsKey(path) ? "Permission denied" : "No such file or directory")}\n");
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

        /// <summary>What stat --printf='%n\0%f\0%u\0%g\0%s\0' prints for one path (nothing when missing).</summary>
        private string RootStat(string path)
        {
            var real = path.EndsWith("/.", StringComparison.Ordinal) ? path.Substring(0, path.Length - 2) : path;
            if (path.EndsWith("/.", StringComparison.Ordinal) || path == "/.")
            {
                real = real.Length == 0 ? "/" : real;
                real = Links.TryGetValue(real, out var target) ? target : real;
            }

            var owner = Owners.TryGetValue(real, out var uid) ? uid : 0;
            var size = Files.TryGetValue(real, out var bytes) ? bytes.Length : 0;
            var mode = Links.ContainsKey(real) ? "a1ff" : bytes != null ? "81a4" : Directories.Contains(real) ? "41ed" : null;
            return mode == null ? string.Empty : $"{path}\0{mode}\0{owner}\0{owner}\0{size}\0";
        }

        private void Move(string from, string to)
        {
            Links.Remove(to);
            Files[to] = Files[from];
            Files.Remove(from);
        }

        /// <summary>The quoted words of a command line; for install, only its last two (source and target).</summary>
        private static List<string> Words(string command)
        {
            var words = QuotedWords.Of(command);
            return words.Skip(command.StartsWith("install", StringComparison.Ordinal) ? words.Count - 2 : 0).ToList();
        }
    }
}
