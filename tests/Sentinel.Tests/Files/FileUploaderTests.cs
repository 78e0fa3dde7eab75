using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Files;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Files
{
    /// <summary>The uploader's fault paths against an in-memory host: nothing half-done ever reaches the destination.</summary>
    public sealed class FileUploaderTests : IDisposable
    {
        private readonly string _local = Path.Combine(Path.GetTempPath(), "sentinel-uploader-" + Guid.NewGuid().ToString("N"));
        private readonly MemoryHost _host = new MemoryHost();

        public FileUploaderTests()
        {
            Directory.CreateDirectory(_local);
            _host.Directories.Add("/etc");
            _host.Files["/etc/app.conf"] = Encoding.UTF8.GetBytes("old");
        }

        public void Dispose() => Directory.Delete(_local, true);

        private CopySource Source(string content)
        {
            var path = Path.Combine(_local, "app.conf");
            File.WriteAllText(path, content);
            return LocalSources.Describe(path, false);
        }

        private readonly List<string> _warnings = new List<string>();

        private async Task<(List<FileCopyResult> Results, List<SentinelException> Errors)> Upload(CopyOptions options, string content, CancellationToken stop = default)
        {
            var results = new List<FileCopyResult>();
            var errors = new List<SentinelException>();
            var context = new CopyContext(new ScriptedRemoteHost(ScriptedRemoteHost.NewSession(), _host.Run), _host, options, stop) { Emit = results.Add, Fail = errors.Add, Warn = _warnings.Add };
            await FileUploader.RunAsync(context, new[] { Source(content) }, "/etc/app.conf");
            return (results, errors);
        }

        [Fact]
        public async Task ReplacesInOneRenameAfterTheHashMatches()
        {
            var (results, errors) = await Upload(new CopyOptions { Force = true }, "new");
            Assert.Empty(errors);
            Assert.Equal(FileCopyAction.Copied, Assert.Single(results).Action);
            Assert.Equal("new", _host.Text("/etc/app.conf"));
            Assert.Single(_host.Renames, r => r.To == "/etc/app.conf" && r.From.StartsWith("/etc/.sentinel-", StringComparison.Ordinal));
            Assert.Equal(new[] { "/etc/app.conf" }, _host.Files.Keys);
            Assert.DoesNotContain(_host.Directories, d => d.Contains(".sentinel-"));
        }

        [Fact]
        public async Task LeavesTheDestinationWhenValidationFails()
        {
            _host.ValidateExit = 1;
            var (results, errors) = await Upload(new CopyOptions { Force = true, Validate = "check {}" }, "broken");
            Assert.Equal(ErrorIds.FileValidationFailed, Assert.Single(errors).ErrorId);
            Assert.Contains("check says no", errors[0].Message);
            Assert.Equal(FileCopyAction.Failed, Assert.Single(results).Action);
            Assert.Equal("old", _host.Text("/etc/app.conf"));
            Assert.Empty(_host.Renames);
            Assert.Equal(new[] { "/etc/app.conf" }, _host.Files.Keys);
            Assert.Matches(@"^check '/etc/\.sentinel-[0-9a-f]{12}\.tmp/0'$", _host.Commands.Single(c => c.StartsWith("check", StringComparison.Ordinal)));
        }

        [Fact]
        public async Task LeavesTheDestinationWhenTheUploadedCopyDiffers()
        {
            _host.CorruptUploads = true;
            var (_, errors) = await Upload(new CopyOptions { Force = true }, "new");
            Assert.Equal(ErrorIds.FileVerificationFailed, Assert.Single(errors).ErrorId);
            Assert.Equal("old", _host.Text("/etc/app.conf"));
            Assert.Equal(new[] { "/etc/app.conf" }, _host.Files.Keys);
        }

        [Fact]
        public async Task RemovesTheTemporaryFileWhenStoppedDuringTheUpload()
        {
            using (var stop = new CancellationTokenSource())
            {
                _host.DuringUpload = stop.Cancel;
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Upload(new CopyOptions { Force = true }, "new", stop.Token));
            }

            Assert.Equal("old", _host.Text("/etc/app.conf"));
            Assert.Equal(new[] { "/etc/app.conf" }, _host.Files.Keys);
        }

        [Fact]
        public async Task WithSudoInstallsBesideTheDestinationThenRenamesWithSimpleCommands()
        {
            // install unlinks its target before writing it: aimed at the destination itself it would leave
            // no file, then a partial one, for a moment. It must aim at a temporary name, and mv finish.
            var (results, errors) = await Upload(new CopyOptions { Force = true, Sudo = true, Mode = Convert.ToInt32("640", 8), Owner = "root", Group = "www-data" }, "new");
            Assert.Empty(errors);
            Assert.Equal(FileCopyAction.Copied, Assert.Single(results).Action);
            var install = Assert.Single(_host.SudoCommands, c => c.StartsWith("install", StringComparison.Ordinal));
            Assert.Matches(@"^install -m 0640 -o 'root' -g 'www-data' -- '/tmp/tmp\.fake/0' '/etc/\.app\.conf\.sentinel-[0-9a-f]{12}\.tmp'$", install);
            var move = Assert.Single(_host.SudoCommands, c => c.StartsWith("mv", StringComparison.Ordinal));
            Assert.Matches(@"^mv -f -T -- '/etc/\.app\.conf\.sentinel-[0-9a-f]{12}\.tmp' '/etc/app\.conf'$", move);
            Assert.All(_host.SudoCommands, c => Assert.Null(ShellSyntax.Find(c)));
            Assert.Equal("new", _host.Text("/etc/app.conf"));
            Assert.Contains("rm -rf -- '/tmp/tmp.fake'", _host.Commands);
        }

        [Fact]
        public async Task KeepsAnIdenticalDestinationUntouched()
        {
            var (results, _) = await Upload(new CopyOptions(), "old");
            Assert.Equal(FileCopyAction.Unchanged, Assert.Single(results).Action);
            Assert.Empty(_host.Renames);
            Assert.DoesNotContain(_host.Commands, c => c.StartsWith("mktemp", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Issue20Item2WithSudoALinkAtTheDestinationIsReplacedNotFollowed()
        {
            _host.Files["/etc/important.conf"] = Encoding.UTF8.GetBytes("precious");
            _host.Files.Remove("/etc/app.conf");
            _host.Links["/etc/app.conf"] = "/etc/important.conf";
            var (results, errors) = await Upload(new CopyOptions { Force = true, Sudo = true }, "new");
            Assert.Empty(errors);
            Assert.Equal(FileCopyAction.Copied, Assert.Single(results).Action);
            Assert.Equal("precious", _host.Text("/etc/important.conf"));
            Assert.Equal("new", _host.Text("/etc/app.conf"));
            Assert.False(_host.Links.ContainsKey("/etc/app.conf"));
            Assert.DoesNotContain(_host.SudoCommands, c => c.StartsWith("sha256sum", StringComparison.Ordinal) && c.Contains("app.conf"));
        }

        [Fact]
        public async Task Issue20Item2WithSudoALinkAtTheDestinationNeedsForce()
        {
            _host.Files["/etc/important.conf"] = Encoding.UTF8.GetBytes("precious");
            _host.Files.Remove("/etc/app.conf");
            _host.Links["/etc/app.conf"] = "/etc/important.conf";
            var (_, errors) = await Upload(new CopyOptions { Sudo = true }, "new");
            Assert.Equal(ErrorIds.FileExists, Assert.Single(errors).ErrorId);
            Assert.Equal("precious", _host.Text("/etc/important.conf"));
        }

        [Fact]
        public async Task Issue20Item2WithSudoADirectoryAnotherUserOwnsIsRefused()
        {
            _host.Owners["/etc"] = 1001;
            var (results, errors) = await Upload(new CopyOptions { Force = true, Sudo = true }, "new");
            Assert.Equal(ErrorIds.UnsafeDestination, Assert.Single(errors).ErrorId);
            Assert.Equal(FileCopyAction.Failed, Assert.Single(results).Action);
            Assert.Equal("old", _host.Text("/etc/app.conf"));
            Assert.DoesNotContain(_host.SudoCommands, c => c.StartsWith("install", StringComparison.Ordinal) || c.StartsWith("mv", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Issue20Item10WithoutSudoAReplacedFileKeepsItsOwner()
        {
            _host.Owners["/etc/app.conf"] = 1000;
            var (_, errors) = await Upload(new CopyOptions { Force = true }, "new");
            Assert.Empty(errors);
            Assert.Contains(_host.Owners, o => o.Key.StartsWith("/etc/.sentinel-", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Issue20Item7ABackupNeverWritesThroughWhatSitsAtItsName()
        {
            _host.LinkFails = true;
            var (results, errors) = await Upload(new CopyOptions { Force = true, Backup = true }, "new");
            Assert.Empty(errors);
            var backup = Assert.Single(results).BackupPath!;
            Assert.Contains("cp -p -- '/etc/app.conf' '/etc/.sentinel-", string.Join("\n", _host.Commands));
            Assert.Contains(_host.Renames, r => r.To == backup);
            Assert.Equal("old", _host.Text(backup));
        }

        [Fact]
        public async Task Issue20Item10ALostConnectionLeavesAWarningNamingWhatStays()
        {
            _host.ConnectionLostDuringUpload = true;
            var (results, errors) = await Upload(new CopyOptions { Force = true }, "new");
            Assert.Equal(ErrorIds.FileCopyFailed, Assert.Single(errors).ErrorId);
            Assert.Equal(FileCopyAction.Failed, Assert.Single(results).Action);
            Assert.Equal("old", _host.Text("/etc/app.conf"));
            Assert.Contains(_warnings, w => w.Contains("/etc/.sentinel-", StringComparison.Ordinal) && w.Contains("remove it by hand", StringComparison.Ordinal));
        }

        /// <summary>An in-memory host: its files, an SFTP view of them, and the few commands the uploader runs.</summary>
        private sealed class MemoryHost : IFileTransfer
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

            /// <summary>ln fails, as it does when something sits at the backup's name or protected_hardlinks refuses.</summary>
            public bool LinkFails { get; set; }

            public bool CorruptUploads { get; set; }

            public Action? DuringUpload { get; set; }

            /// <summary>The connection drops in the middle of an upload: every later SFTP request fails.</summary>
            public bool ConnectionLostDuringUpload { get; set; }

            private bool _lost;

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

            public Task<IReadOnlyList<RemoteFileInfo>> ListAsync(string directory, int maxEntries, CancellationToken cancellationToken) => throw new NotSupportedException();

            public async Task UploadNewAsync(Stream source, string path, Action<long> progress, CancellationToken cancellationToken)
            {
                Assert.False(Files.ContainsKey(path), "uploads go to a new name");
                Files[path] = new byte[0];
                var copy = new MemoryStream();
                await source.CopyToAsync(copy);
                DuringUpload?.Invoke();
                _lost |= ConnectionLostDuringUpload;
                ThrowWhenLost();
                cancellationToken.ThrowIfCancellationRequested();
                Files[path] = CorruptUploads ? copy.ToArray().Concat(new byte[] { 0 }).ToArray() : copy.ToArray();
            }

            public Task DownloadAsync(string path, Stream destination, Action<long> progress, CancellationToken cancellationToken) => throw new NotSupportedException();

            public void Replace(string from, string to)
            {
                Renames.Add((from, to));
                Move(from, to);
            }

            public void Remove(string path)
            {
                ThrowWhenLost();
                Files.Remove(path);
            }

            public void CreateDirectory(string path) => Assert.True(Directories.Add(path), "a new directory");

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

            public void Dispose()
            {
            }

            public Task<CommandResult> Run(CommandRequest request, CancellationToken cancellationToken)
            {
                var command = request.Command;
                (request.Sudo ? SudoCommands : Commands).Add(command);
                var words = Words(command);
                var (exit, output) = (0, string.Empty);
                switch (command.Split(' ')[0])
                {
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
                    case "sha256sum":
                        using (var sha = SHA256.Create())
                        {
                            output = string.Concat(words.Where(Files.ContainsKey).Select(p => Convert.ToHexString(sha.ComputeHash(Files[p])).ToLowerInvariant() + "  " + p + "\n"));
                        }

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

                return Task.FromResult(new CommandResult("web01", 1, command, request.Sudo, exit, null, output, string.Empty, DateTime.Now, TimeSpan.Zero, output.Length, 0, false));
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

            /// <summary>The single-quoted words of a command line (what ShellQuote made).</summary>
            private static List<string> Words(string command)
            {
                var words = new List<string>();
                var at = command.IndexOf('\'');
                while (at >= 0)
                {
                    var word = new StringBuilder();
                    while (at < command.Length && command[at] == '\'')
                    {
                        var end = command.IndexOf('\'', at + 1);
                        word.Append(command, at + 1, end - at - 1);
                        at = end + 1;
                        if (string.CompareOrdinal(command, at, "\\''", 0, 3) == 0)
                        {
                            word.Append('\'');
                            at += 2;
                        }
                    }

                    words.Add(word.ToString());
                    at = command.IndexOf('\'', at);
                }

                return words.Skip(command.StartsWith("install", StringComparison.Ordinal) ? words.Count - 2 : 0).ToList();
            }
        }
    }
}
