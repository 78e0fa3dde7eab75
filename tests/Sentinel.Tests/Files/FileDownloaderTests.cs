using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Files;
using Sentinel.Platform;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Files
{
    /// <summary>
    /// The downloader's fault paths against a scripted remote tree: a destination is either the
    /// verified new file or left as it was, no temporary file stays behind, nothing lands outside the
    /// destination, and one file's failure does not stop its siblings.
    /// </summary>
    public sealed class FileDownloaderTests : IDisposable
    {
        private static readonly bool Unix = Path.DirectorySeparatorChar == '/';
        private readonly string _root = Path.Combine(Path.GetTempPath(), "sentinel-downloader-" + Guid.NewGuid().ToString("N"));
        private readonly ScriptedFileTransfer _remote = new ScriptedFileTransfer();
        private readonly List<FileCopyResult> _results = new List<FileCopyResult>();
        private readonly List<SentinelException> _errors = new List<SentinelException>();
        private readonly List<(string File, long Done)> _progress = new List<(string, long)>();

        public FileDownloaderTests()
        {
            Directory.CreateDirectory(Dest);
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);

        /// <summary>The destination directory; beside it in <see cref="_root"/> nothing else may appear.</summary>
        private string Dest => Path.Combine(_root, "dest");

        private string At(string relative) => Path.Combine(Dest, relative.Replace('/', Path.DirectorySeparatorChar));

        private Task Download(string destination, params string[] patterns) => Download(new CopyOptions(), destination, default, patterns);

        private Task Download(CopyOptions options, string destination, params string[] patterns) => Download(options, destination, default, patterns);

        private Task Download(CopyOptions options, string destination, CancellationToken stop, string[] patterns, Func<string, string, Task<bool>>? confirm = null)
        {
            var session = new SentinelSession(7, new ConnectionSettings("web01", "web01", 22, "ops"), new LiveConnection(new ScriptedConnection(), new KeepAliveSettings(TimeSpan.Zero, 3)), "SHA256:test", "ssh-ed25519");
            var context = new CopyContext(new ScriptedRemoteHost(session, _remote.Run), _remote, options, stop)
            {
                Emit = _results.Add,
                Fail = _errors.Add,
                Progress = (file, done, total) => { lock (_progress) { _progress.Add((file, done)); } },
            };
            if (confirm != null)
            {
                context.Confirm = confirm;
            }

            return FileDownloader.RunAsync(context, patterns, destination);
        }

        /// <summary>Every file under the root, relative to the destination, in ordinal order.</summary>
        private List<string> LocalFiles() =>
            Directory.GetFiles(_root, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Dest, f).Replace(Path.DirectorySeparatorChar, '/'))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToList();

        private static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

        private static int Octal(string mode) => Convert.ToInt32(mode, 8);

        private void AssertOnlyErrors(string errorId, int count)
        {
            Assert.Equal(count, _errors.Count);
            Assert.All(_errors, e => Assert.Equal(errorId, e.ErrorId));
        }

        [Fact]
        public async Task Issue24Goal4DownloadsManySmallFilesSideBySideAndTellsTheResultsInTheirOrder()
        {
            // Each read waits until three are in flight: one at a time, the first waits out the hang ceiling.
            var names = Enumerable.Range(0, 40).Select(i => $"f{i:D2}.txt").ToList();
            foreach (var name in names)
            {
                _remote.AddFile("/srv/many/" + name, "content of " + name);
            }

            _remote.HoldReadsUntilInFlight = 3;
            await Download(Dest, "/srv/many/*");

            Assert.Empty(_errors);
            Assert.True(_remote.MostReadsInFlight >= 3, $"at most {_remote.MostReadsInFlight} read(s) were in flight at once");
            Assert.Equal(names.Select(n => "/srv/many/" + n), _results.Select(r => r.Source));
            Assert.All(_results, r => Assert.Equal(FileCopyAction.Copied, r.Action));
            Assert.All(names, n => Assert.Equal("content of " + n, File.ReadAllText(At(n))));
        }

        [Fact]
        public async Task CopiesANewFileThroughATemporaryFileBesideItThatOnlyItsOwnerCanRead()
        {
            _remote.AddFile("/srv/app.conf", "hello");
            var during = new List<(string Name, int? Mode)>();
            _remote.DuringRead = path => during.AddRange(Directory.GetFiles(Dest).Select(f => (Path.GetFileName(f), UnixPermissions.TryGet(f))));

            await Download(At("app.conf"), "/srv/app.conf");

            Assert.Empty(_errors);
            var result = Assert.Single(_results);
            Assert.Equal((FileCopyAction.Copied, FileCopyDirection.Download, "web01", 7), (result.Action, result.Direction, result.ComputerName, result.SessionId));
            Assert.Equal(("/srv/app.conf", At("app.conf"), 5L, Sha256("hello")), (result.Source, result.Destination, result.Length, result.Sha256));
            Assert.Equal("hello", File.ReadAllText(At("app.conf")));
            Assert.Equal(new[] { "app.conf" }, LocalFiles());

            var temp = Assert.Single(during);
            Assert.Matches(@"^\.app\.conf\.sentinel-[0-9a-f]{12}\.tmp$", temp.Name);
            if (Unix)
            {
                Assert.Equal(Octal("600"), temp.Mode);
            }
        }

        [Theory]
        [InlineData("755")]
        [InlineData("640")]
        [InlineData("444")]
        [InlineData("4755")]
        public async Task ANewFileGetsTheRemoteModeLessTheUmaskAndOwnerWritable(string remote)
        {
            _remote.AddFile("/srv/tool", "#!/bin/sh\n", Octal(remote));
            await Download(At("tool"), "/srv/tool");

            Assert.Empty(_errors);
            if (Unix)
            {
                Assert.Equal(UnixPermissions.NewFileMode(Octal(remote), UnixPermissions.Umask()), UnixPermissions.TryGet(At("tool")));
            }
        }

        [Fact]
        public async Task AFileInACopiedTreeGetsTheModeItsListingGave()
        {
            _remote.AddFile("/srv/pub/bin/run.sh", "#!/bin/sh\n", Octal("750"));
            _remote.AddFile("/srv/pub/readme", "hi", Octal("644"));
            await Download(new CopyOptions { Recurse = true }, Dest, "/srv/pub");

            Assert.Empty(_errors);
            Assert.Equal(new[] { "pub/bin/run.sh", "pub/readme" }, LocalFiles());
            if (Unix)
            {
                Assert.Equal(UnixPermissions.NewFileMode(Octal("750"), UnixPermissions.Umask()), UnixPermissions.TryGet(At("pub/bin/run.sh")));
                Assert.Equal(UnixPermissions.NewFileMode(Octal("644"), UnixPermissions.Umask()), UnixPermissions.TryGet(At("pub/readme")));
            }
        }

        [Fact]
        public async Task AReplacedFileKeepsItsOwnMode()
        {
            File.WriteAllText(At("app.conf"), "old");
            UnixPermissions.TrySet(At("app.conf"), Octal("640"));
            _remote.AddFile("/srv/app.conf", "new", Octal("755"));

            await Download(new CopyOptions { Force = true }, At("app.conf"), "/srv/app.conf");

            Assert.Empty(_errors);
            Assert.Equal(FileCopyAction.Copied, Assert.Single(_results).Action);
            Assert.Equal("new", File.ReadAllText(At("app.conf")));
            if (Unix)
            {
                Assert.Equal(Octal("640"), UnixPermissions.TryGet(At("app.conf")));
            }
        }

        [Fact]
        public async Task AnExistingDifferentFileWithoutForceIsLeftAndNotEvenRead()
        {
            File.WriteAllText(At("app.conf"), "old");
            _remote.AddFile("/srv/app.conf", "new");

            await Download(At("app.conf"), "/srv/app.conf");

            AssertOnlyErrors(ErrorIds.FileExists, 1);
            Assert.Equal(FileCopyAction.Failed, Assert.Single(_results).Action);
            Assert.Equal("old", File.ReadAllText(At("app.conf")));
            Assert.Empty(_remote.Reads);
            Assert.Equal(new[] { "app.conf" }, LocalFiles());
        }

        [Fact]
        public async Task AnIdenticalFileIsUnchangedAndNotRead()
        {
            File.WriteAllText(At("app.conf"), "same");
            _remote.AddFile("/srv/app.conf", "same");

            await Download(At("app.conf"), "/srv/app.conf");

            Assert.Empty(_errors);
            var result = Assert.Single(_results);
            Assert.Equal((FileCopyAction.Unchanged, Sha256("same"), 4L), (result.Action, result.Sha256, result.Length));
            Assert.Empty(_remote.Reads);
        }

        [Fact]
        public async Task WithBackupTheReplacedFileIsKeptBesideTheNewOne()
        {
            File.WriteAllText(At("app.conf"), "old");
            _remote.AddFile("/srv/app.conf", "new");

            await Download(new CopyOptions { Force = true, Backup = true }, At("app.conf"), "/srv/app.conf");

            Assert.Empty(_errors);
            var backup = Assert.Single(_results).BackupPath;
            Assert.NotNull(backup);
            Assert.Matches(@"^app\.conf\.\d{8}T\d{9}Z\.bak$", Path.GetFileName(backup));
            Assert.Equal("old", File.ReadAllText(backup!));
            Assert.Equal("new", File.ReadAllText(At("app.conf")));
            Assert.Equal(2, LocalFiles().Count);
        }

        [Fact]
        public async Task AReadThatFailsMidFileLeavesTheDestinationAndNothingBehindAndTheNextFileStillCopies()
        {
            File.WriteAllText(At("a.txt"), "old");
            _remote.AddFile("/srv/pub/a.txt", "new contents").AddFile("/srv/pub/b.txt", "bbbb");
            _remote.ReadFailures["/srv/pub/a.txt"] = new FileTransferException("the connection was lost", permissionDenied: false);
            var partial = new List<long>();
            // a.txt's own temporary file: b.txt's, beside it, may be renamed away while this looks.
            _remote.DuringRead = path =>
            {
                if (path == "/srv/pub/a.txt")
                {
                    partial.AddRange(Directory.GetFiles(Dest, ".a.txt.*.tmp").Select(f => new FileInfo(f).Length));
                }
            };

            await Download(new CopyOptions { Force = true }, Dest, "/srv/pub/*");

            var error = Assert.Single(_errors);
            Assert.Equal(ErrorIds.FileCopyFailed, error.ErrorId);
            Assert.Contains("/srv/pub/a.txt", error.Message);
            Assert.Contains("the connection was lost", error.Message);
            Assert.Equal(new[] { ("/srv/pub/a.txt", FileCopyAction.Failed), ("/srv/pub/b.txt", FileCopyAction.Copied) }, _results.Select(r => (r.Source, r.Action)));
            Assert.Equal("old", File.ReadAllText(At("a.txt")));
            Assert.Equal("bbbb", File.ReadAllText(At("b.txt")));
            Assert.Equal(new[] { "a.txt", "b.txt" }, LocalFiles());

            // The half that arrived sat in a temporary file, which is gone now.
            Assert.Equal(6L, Assert.Single(partial));
        }

        [Fact]
        public async Task ACopyChangedOnTheWayFailsVerificationAndLeavesTheDestination()
        {
            File.WriteAllText(At("app.conf"), "old");
            _remote.AddFile("/srv/app.conf", "new");
            _remote.Served["/srv/app.conf"] = Encoding.UTF8.GetBytes("tampered");

            await Download(new CopyOptions { Force = true }, At("app.conf"), "/srv/app.conf");

            var error = Assert.Single(_errors);
            Assert.Equal(ErrorIds.FileVerificationFailed, error.ErrorId);
            Assert.Contains(Sha256("new"), error.Message);
            Assert.Equal(FileCopyAction.Failed, Assert.Single(_results).Action);
            Assert.Equal("old", File.ReadAllText(At("app.conf")));
            Assert.Equal(new[] { "app.conf" }, LocalFiles());
        }

        [Fact]
        public async Task AFileTheHostCannotHashIsNotCopied()
        {
            _remote.AddFile("/srv/pub/secret", "s").AddFile("/srv/pub/open", "o");
            _remote.Unhashable.Add("/srv/pub/secret");

            await Download(Dest, "/srv/pub/*");

            AssertOnlyErrors(ErrorIds.FileVerificationFailed, 1);
            Assert.Equal(new[] { "/srv/pub/open" }, _remote.Reads);
            Assert.Equal(new[] { "open" }, LocalFiles());
        }

        [Fact]
        public async Task AListingThatFailsMidWayFailsItsPathAndTheOtherPathsStillCopy()
        {
            _remote.AddFile("/srv/pub/a.txt", "a").AddFile("/srv/pub/sub/b.txt", "b").AddFile("/srv/other.txt", "o");
            _remote.ListFailures["/srv/pub/sub"] = new FileTransferException("Permission denied", permissionDenied: true);

            await Download(new CopyOptions { Recurse = true }, Dest, "/srv/pub", "/srv/other.txt");

            var error = Assert.Single(_errors);
            Assert.Equal((ErrorIds.FilePermissionDenied, ErrorCategory.PermissionDenied), (error.ErrorId, error.Category));
            Assert.Contains("'/srv/pub'", error.Message);
            Assert.Equal(("/srv/other.txt", FileCopyAction.Copied), (Assert.Single(_results).Source, _results[0].Action));
            Assert.Equal(new[] { "other.txt" }, LocalFiles());
            Assert.False(Directory.Exists(At("pub")), "nothing of a path whose listing failed is made");
        }

        [Fact]
        public async Task ANameRefusedAsUnsafeIsReportedAndItsSiblingsStillCopy()
        {
            _remote.AddFile("/srv/pub/good.txt", "g").AddFile("/srv/pub/sub/deep.txt", "d");
            _remote.ExtraNames["/srv/pub"] = new[] { "../escaped.txt", "/etc/passwd", "a/../../b", "x\0y" };
            _remote.ExtraNames["/srv/pub/sub"] = new[] { "..", "" };

            await Download(new CopyOptions { Recurse = true }, Dest, "/srv/pub");

            AssertOnlyErrors(ErrorIds.UnsafeRemoteName, 6);
            Assert.Equal(new[] { "pub/good.txt", "pub/sub/deep.txt" }, LocalFiles());
            Assert.Equal(new[] { "dest" }, Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
            Assert.Equal(new[] { "/srv/pub/good.txt", "/srv/pub/sub/deep.txt" }, _remote.Reads.OrderBy(p => p, StringComparer.Ordinal));
        }

        [Fact]
        public async Task ANameAWildcardMatchesIsRefusedAsUnsafeAndItsSiblingsStillCopy()
        {
            _remote.AddFile("/srv/pub/good.txt", "g");
            _remote.ExtraNames["/srv/pub"] = new[] { "../escaped.txt" };

            await Download(Dest, "/srv/pub/*.txt");

            AssertOnlyErrors(ErrorIds.UnsafeRemoteName, 1);
            Assert.Equal(new[] { "good.txt" }, LocalFiles());
        }

        [Fact]
        public async Task AListingPastTheEntryBoundIsRefusedOnceAndWhatWasListedBeforeItStillCopies()
        {
            _remote.AddFile("/srv/pub/good.txt", "g").AddDirectory("/srv/pub/endless");
            _remote.EndlessListings.Add("/srv/pub/endless");

            await Download(new CopyOptions { Recurse = true }, Dest, "/srv/pub");

            AssertOnlyErrors(ErrorIds.RemoteTreeTooLarge, 1);
            Assert.Equal(ErrorCategory.LimitsExceeded, _errors[0].Category);
            Assert.Equal(new[] { "pub/good.txt" }, LocalFiles());
            Assert.True(_remote.MostAsked <= RemoteSources.MaxEntries + 1, "no listing is read past the bound");
        }

        [Fact]
        public async Task AWildcardOverAListingPastTheBoundIsRefusedNotReportedMissing()
        {
            _remote.AddDirectory("/srv/big");
            _remote.EndlessListings.Add("/srv/big");

            await Download(Dest, "/srv/big/*");

            AssertOnlyErrors(ErrorIds.RemoteTreeTooLarge, 1);
            Assert.Empty(LocalFiles());
        }

        [Fact]
        public async Task ATreePastTheDepthBoundIsRefusedOnceAndTheRestCopies()
        {
            _remote.AddFile("/srv/pub/good.txt", "g");
            _remote.Bottomless = "/srv/pub";

            await Download(new CopyOptions { Recurse = true }, Dest, "/srv/pub");

            AssertOnlyErrors(ErrorIds.RemoteTreeTooLarge, 1);
            Assert.Equal(new[] { "pub/good.txt" }, LocalFiles());
            var deepest = Directory.GetDirectories(At("pub"), "*", SearchOption.AllDirectories).Max(d => Path.GetRelativePath(At("pub"), d).Split(Path.DirectorySeparatorChar).Length);
            Assert.Equal(RemoteSources.MaxDepth, deepest);
        }

        [Fact]
        public async Task AStopMidFileRemovesTheTemporaryFileLeavesTheDestinationAndCopiesNothingMore()
        {
            File.WriteAllText(At("a.txt"), "old");
            _remote.AddFile("/srv/pub/a.txt", "new contents").AddFile("/srv/pub/b.txt", "bbbb");
            var temps = 0;
            using (var stop = new CancellationTokenSource())
            {
                _remote.DuringRead = path =>
                {
                    temps = Directory.GetFiles(Dest, ".*.tmp").Length;
                    stop.Cancel();
                };
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Download(new CopyOptions { Force = true }, Dest, stop.Token, new[] { "/srv/pub/*" }));
            }

            // b.txt may be on its way beside a.txt (the files go side by side): nothing of it stays either.
            Assert.InRange(temps, 1, 2);
            Assert.Equal("old", File.ReadAllText(At("a.txt")));
            Assert.Equal(new[] { "a.txt" }, LocalFiles());
            Assert.Equal("/srv/pub/a.txt", _remote.Reads.First());
            Assert.Empty(_results);
            Assert.Empty(_errors);
        }

        [Fact]
        public async Task DeclinedByShouldProcessNothingIsReadOrWritten()
        {
            _remote.AddFile("/srv/pub/a.txt", "a").AddFile("/srv/pub/sub/b.txt", "b");
            var asked = new List<string>();

            await Download(new CopyOptions { Recurse = true }, Dest, default, new[] { "/srv/pub/a.txt" }, (target, action) =>
            {
                asked.Add(action);
                return Task.FromResult(false);
            });

            Assert.Equal(new[] { "Create file from /srv/pub/a.txt on web01" }, asked);
            Assert.Empty(_results);
            Assert.Empty(_errors);
            Assert.Empty(_remote.Reads);
            Assert.Empty(LocalFiles());
        }

        [Fact]
        public async Task ALocalDirectoryAtTheTargetFailsThatFileOnly()
        {
            Directory.CreateDirectory(At("a.txt"));
            _remote.AddFile("/srv/pub/a.txt", "a").AddFile("/srv/pub/b.txt", "b");

            await Download(new CopyOptions { Force = true }, Dest, "/srv/pub/*");

            AssertOnlyErrors(ErrorIds.FileCopyFailed, 1);
            // The path is this machine's: the message must not place it on the host.
            Assert.Equal($"Could not copy from web01 to '{At("a.txt")}' on this machine: it is a directory.", _errors[0].Message);
            Assert.Equal(new[] { "b.txt" }, LocalFiles());
        }

        [Fact]
        public async Task AFileWhereADirectoryMustBeMadeFailsWhatGoesThereAndTheRestCopies()
        {
            Directory.CreateDirectory(At("pub"));
            File.WriteAllText(At("pub/sub"), "a file, not a directory");
            _remote.AddFile("/srv/pub/sub/x.txt", "x").AddFile("/srv/pub/top.txt", "t");

            await Download(new CopyOptions { Recurse = true, Force = true }, Dest, "/srv/pub");

            // The directory fails, then the file that would go in it; the others copy.
            AssertOnlyErrors(ErrorIds.FileCopyFailed, 2);
            Assert.Contains(At("pub/sub") + "'", _errors[0].Message, StringComparison.Ordinal);
            Assert.Contains(At("pub/sub/x.txt") + "'", _errors[1].Message, StringComparison.Ordinal);
            Assert.Equal(new[] { ("/srv/pub/top.txt", FileCopyAction.Copied), ("/srv/pub/sub/x.txt", FileCopyAction.Failed) }, _results.Select(r => (r.Source, r.Action)));
            Assert.Equal("a file, not a directory", File.ReadAllText(At("pub/sub")));
            Assert.Equal("t", File.ReadAllText(At("pub/top.txt")));
            Assert.Equal(new[] { "pub/sub", "pub/top.txt" }, LocalFiles());
        }


        [Fact]
        public async Task AnExistingFileThatCannotBeReadFailsThatFileOnly()
        {
            if (!Unix)
            {
                return;
            }

            // Opening a socket fails (ENXIO) even for root, as a file another user keeps private fails for others.
            using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                socket.Bind(new UnixDomainSocketEndPoint(At("a.txt")));
                _remote.AddFile("/srv/pub/a.txt", "a").AddFile("/srv/pub/b.txt", "b");

                await Download(new CopyOptions { Force = true }, Dest, "/srv/pub/*");
            }

            AssertOnlyErrors(ErrorIds.FileCopyFailed, 1);
            Assert.Contains("a.txt", _errors[0].Message);
            Assert.Equal(new[] { ("/srv/pub/a.txt", FileCopyAction.Failed), ("/srv/pub/b.txt", FileCopyAction.Copied) }, _results.Select(r => (r.Source, r.Action)));
            Assert.Equal("b", File.ReadAllText(At("b.txt")));
        }

        [Fact]
        public async Task ALongNameIsDownloadedThroughAShortenedTemporaryName()
        {
            var name = new string('n', 250);
            _remote.AddFile("/srv/" + name, "long");
            var temps = new List<string>();
            _remote.DuringRead = path => temps.AddRange(Directory.GetFiles(Dest).Select(Path.GetFileName)!);

            await Download(Dest, "/srv/" + name);

            Assert.Empty(_errors);
            Assert.Equal(new[] { name }, LocalFiles());
            Assert.Matches(@"^\.n+\.sentinel-[0-9a-f]{12}\.tmp$", Assert.Single(temps));
            Assert.Equal(255, temps[0].Length);
        }

        [Fact]
        public async Task ProgressCountsTheBytesOfTheFilesBefore()
        {
            _remote.AddFile("/srv/pub/a.txt", "0123456789").AddFile("/srv/pub/b.txt", "abcdef");

            await Download(Dest, "/srv/pub/*");

            // The files go side by side: each report counts every byte received so far, of all files.
            var reports = _progress.ToList();
            Assert.Equal(4, reports.Count);
            Assert.Equal(16L, reports.Max(r => r.Item2));
            Assert.Equal(reports.Select(r => r.Item2).OrderBy(n => n), reports.Select(r => r.Item2).Distinct().OrderBy(n => n));
            Assert.Equal(new[] { "/srv/pub/a.txt", "/srv/pub/b.txt" }, reports.Select(r => r.Item1).Distinct().OrderBy(f => f, StringComparer.Ordinal));
        }

        [Fact]
        public async Task APathThatNamesNothingIsNotFoundAndTheOthersCopy()
        {
            _remote.AddFile("/srv/pub/a.txt", "a");

            await Download(Dest, "/srv/missing.txt", "/srv/nothing/*", "/srv/pub/a.txt");

            AssertOnlyErrors(ErrorIds.FileNotFound, 2);
            Assert.Equal(new[] { "a.txt" }, LocalFiles());
        }

        [Fact]
        public async Task Issue22Item5AnUnreadableFileIsFilePermissionDeniedNamingIt()
        {
            _remote.AddFile("/srv/secret.conf", "s").AddFile("/srv/open.conf", "o");
            _remote.Unreadable.Add("/srv/secret.conf");

            await Download(Dest, "/srv/secret.conf", "/srv/open.conf");

            var error = Assert.Single(_errors);
            Assert.Equal((ErrorIds.FilePermissionDenied, ErrorCategory.PermissionDenied, "web01"), (error.ErrorId, error.Category, error.ComputerName));
            Assert.Contains("'/srv/secret.conf'", error.Message);
            Assert.Contains("Permission denied", error.Message);
            Assert.DoesNotContain("PATH", error.Message);
            Assert.Equal(new[] { ("/srv/secret.conf", FileCopyAction.Failed), ("/srv/open.conf", FileCopyAction.Copied) }, _results.Select(r => (r.Source, r.Action)));
            Assert.Equal(new[] { "open.conf" }, LocalFiles());
        }

        [Fact]
        public async Task Issue22Item5AFileTheToolPrintsNothingForSaysWhatTheToolDid()
        {
            _remote.AddFile("/srv/app.conf", "a");
            _remote.Unhashable.Add("/srv/app.conf");

            await Download(Dest, "/srv/app.conf");

            var error = Assert.Single(_errors);
            Assert.Equal(ErrorIds.FileVerificationFailed, error.ErrorId);
            Assert.Contains("sha256sum printed no SHA-256 for it (exit 0)", error.Message);
        }

        [Theory]
        [InlineData("shasum", "shasum -a 256 -- '/srv/app.conf'")]
        [InlineData("sha256", "sha256 -q -- '/srv/app.conf'")]
        [InlineData("openssl", "openssl dgst -sha256 -r -- '/srv/app.conf'")]
        public async Task Issue22Item5WithoutSha256sumAnotherToolVerifiesTheDownload(string program, string command)
        {
            _remote.AddFile("/srv/app.conf", "hello");
            _remote.HashPrograms.Clear();
            _remote.HashPrograms.Add(program);

            await Download(At("app.conf"), "/srv/app.conf");

            Assert.Empty(_errors);
            Assert.Equal((FileCopyAction.Copied, FileCopyVerification.RemoteHash), (Assert.Single(_results).Action, _results[0].Verification));
            Assert.Equal(command, _remote.Commands.Last());
            Assert.Equal("hello", File.ReadAllText(At("app.conf")));
        }

        [Fact]
        public async Task Issue22Item5BsdSha256WithAnUnreadableFileInTheBatchHashesEachFileAlone()
        {
            _remote.AddFile("/srv/pub/a.txt", "a").AddFile("/srv/pub/b.txt", "b").AddFile("/srv/pub/c.txt", "c");
            _remote.HashPrograms.Clear();
            _remote.HashPrograms.Add("sha256");
            _remote.Unreadable.Add("/srv/pub/b.txt");

            await Download(Dest, "/srv/pub/*");

            Assert.Equal(ErrorIds.FilePermissionDenied, Assert.Single(_errors).ErrorId);
            Assert.Equal(new[] { "a.txt", "c.txt" }, LocalFiles());
            Assert.Equal(
                new[] { "sha256 -q -- '/srv/pub/a.txt' '/srv/pub/b.txt' '/srv/pub/c.txt'", "sha256 -q -- '/srv/pub/a.txt'", "sha256 -q -- '/srv/pub/b.txt'", "sha256 -q -- '/srv/pub/c.txt'" },
                _remote.Commands.Skip(1));
        }

        [Fact]
        public async Task Issue22Item5WithoutAnyToolTheFileIsReadBackOverSftpAndTheResultSaysSo()
        {
            _remote.AddFile("/srv/app.conf", "hello").AddFile("/srv/same.conf", "same");
            _remote.HashPrograms.Clear();
            File.WriteAllText(At("same.conf"), "same");

            await Download(Dest, "/srv/app.conf", "/srv/same.conf");

            Assert.Empty(_errors);
            Assert.Equal(
                new[] { (FileCopyAction.Copied, FileCopyVerification.ReadBack), (FileCopyAction.Unchanged, FileCopyVerification.ReadBack) },
                _results.Select(r => (r.Action, r.Verification)));
            Assert.Equal("hello", File.ReadAllText(At("app.conf")));
            Assert.Single(_remote.Commands);
            Assert.Equal(new[] { "/srv/app.conf", "/srv/same.conf", "/srv/app.conf" }, _remote.Reads);
        }

        [Fact]
        public async Task Issue22Item5WithoutAnyToolAFileChangedOnTheWayFailsVerification()
        {
            _remote.AddFile("/srv/app.conf", "hello");
            _remote.HashPrograms.Clear();
            // The read that hashes delivers "hello"; from then on the server sends other bytes.
            _remote.DuringRead = path => _remote.Served[path] = Encoding.UTF8.GetBytes("HELLO");

            await Download(At("app.conf"), "/srv/app.conf");

            Assert.Equal(ErrorIds.FileVerificationFailed, Assert.Single(_errors).ErrorId);
            Assert.Empty(LocalFiles());
        }

        [Fact]
        public async Task Issue22Item5OnAnSftpOnlyAccountADownloadWorksAndIsReadBack()
        {
            _remote.AddFile("/srv/app.conf", "hello").AddFile("/srv/secret.conf", "s");
            _remote.Unreadable.Add("/srv/secret.conf");
            _remote.SftpOnly = true;
            File.WriteAllText(At("app.conf"), "old");

            await Download(new CopyOptions { Force = true, Backup = true }, Dest, "/srv/app.conf", "/srv/secret.conf");

            Assert.Equal(ErrorIds.FilePermissionDenied, Assert.Single(_errors).ErrorId);
            Assert.Contains("'/srv/secret.conf'", _errors[0].Message);
            var copied = _results.Single(r => r.Action == FileCopyAction.Copied);
            Assert.Equal(FileCopyVerification.ReadBack, copied.Verification);
            Assert.NotNull(copied.BackupPath);
            Assert.Equal("hello", File.ReadAllText(At("app.conf")));
            Assert.StartsWith("echo sentinel-probe-", Assert.Single(_remote.Commands), StringComparison.Ordinal);
        }
    }
}
