using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Files;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
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

        private async Task<(List<FileCopyResult> Results, List<SentinelException> Errors)> Upload(CopyOptions options, string content, CancellationToken stop = default, SentinelSession? session = null)
        {
            var results = new List<FileCopyResult>();
            var errors = new List<SentinelException>();
            var context = new CopyContext(new ScriptedRemoteHost(session ?? ScriptedRemoteHost.NewSession(), _host.Run), _host, options, stop) { Emit = results.Add, Fail = errors.Add, Warn = _warnings.Add };
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
        public async Task Issue24Goal4UploadsManySmallFilesSideBySideAndTellsTheResultsInTheirOrder()
        {
            // Each upload waits until three are in flight: one at a time, the first waits out the hang ceiling.
            var tree = Path.Combine(_local, "tree");
            Directory.CreateDirectory(tree);
            var names = Enumerable.Range(0, 40).Select(i => $"f{i:D2}.conf").ToList();
            foreach (var name in names)
            {
                File.WriteAllText(Path.Combine(tree, name), "content of " + name);
            }

            _host.Directories.Add("/srv");
            _host.HoldUploadsUntilInFlight = 3;
            var results = new List<FileCopyResult>();
            var errors = new List<SentinelException>();
            var context = new CopyContext(new ScriptedRemoteHost(ScriptedRemoteHost.NewSession(), _host.Run), _host, new CopyOptions { Recurse = true }, default) { Emit = results.Add, Fail = errors.Add, Warn = _warnings.Add };
            await FileUploader.RunAsync(context, new[] { LocalSources.Describe(tree, true) }, "/srv/tree");

            Assert.Empty(errors);
            Assert.True(_host.MostUploadsInFlight >= 3, $"at most {_host.MostUploadsInFlight} upload(s) were in flight at once");
            Assert.Equal(names.Select(n => "/srv/tree/" + n), results.Select(r => r.Destination));
            Assert.All(results, r => Assert.Equal(FileCopyAction.Copied, r.Action));
            Assert.All(names, n => Assert.Equal("content of " + n, _host.Text("/srv/tree/" + n)));
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

        /// <summary>The hash programs the copy ran (the probe aside), as the login user and under sudo.</summary>
        private List<string> HashCommands() =>
            _host.Commands.Concat(_host.SudoCommands).Where(c => HashTool.InPreference.Any(tool => c.StartsWith(tool.Program + " ", StringComparison.Ordinal))).ToList();

        [Theory]
        [InlineData("shasum", "shasum -a 256 -- ")]
        [InlineData("sha256", "sha256 -q -- ")]
        [InlineData("openssl", "openssl dgst -sha256 -r -- ")]
        public async Task Issue22Item5WithoutSha256sumAnotherToolVerifiesTheCopy(string program, string invocation)
        {
            _host.HashPrograms.Clear();
            _host.HashPrograms.Add(program);
            var (results, errors) = await Upload(new CopyOptions { Force = true }, "new");
            Assert.Empty(errors);
            Assert.Equal((FileCopyAction.Copied, FileCopyVerification.RemoteHash), (Assert.Single(results).Action, results[0].Verification));
            Assert.Equal("new", _host.Text("/etc/app.conf"));
            Assert.NotEmpty(HashCommands());
            Assert.All(HashCommands(), c => Assert.StartsWith(invocation, c, StringComparison.Ordinal));
            Assert.Single(_host.Commands, c => c.StartsWith("echo sentinel-probe-", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Issue22Item5WithoutSha256sumAnotherToolComparesAsRootUnderSudo()
        {
            _host.HashPrograms.Clear();
            _host.HashPrograms.Add("openssl");
            var (results, errors) = await Upload(new CopyOptions { Sudo = true }, "old");
            Assert.Empty(errors);
            Assert.Equal((FileCopyAction.Unchanged, FileCopyVerification.RemoteHash), (Assert.Single(results).Action, results[0].Verification));
            Assert.Contains(_host.SudoCommands, c => c == "openssl dgst -sha256 -r -- '/etc/app.conf'");
        }

        [Fact]
        public async Task Issue22Item5WithoutAnyToolTheCopyIsReadBackOverSftpAndSaysSo()
        {
            _host.HashPrograms.Clear();
            var (results, errors) = await Upload(new CopyOptions { Force = true }, "newer");
            Assert.Empty(errors);
            Assert.Equal((FileCopyAction.Copied, FileCopyVerification.ReadBack), (Assert.Single(results).Action, results[0].Verification));
            Assert.Equal("newer", _host.Text("/etc/app.conf"));
            Assert.Empty(HashCommands());
            Assert.Matches(@"^/etc/\.sentinel-[0-9a-f]{12}\.tmp/0$", Assert.Single(_host.Reads));
        }

        [Fact]
        public async Task Issue22Item5WithoutAnyToolAnIdenticalDestinationIsReadBackAndLeftUnchanged()
        {
            _host.HashPrograms.Clear();
            var (results, errors) = await Upload(new CopyOptions(), "old");
            Assert.Empty(errors);
            Assert.Equal((FileCopyAction.Unchanged, FileCopyVerification.ReadBack), (Assert.Single(results).Action, results[0].Verification));
            Assert.Equal(new[] { "/etc/app.conf" }, _host.Reads);
            Assert.Empty(_host.Renames);
        }

        [Fact]
        public async Task Issue22Item5ADestinationOfAnotherSizeIsNeitherHashedNorReadBack()
        {
            _host.HashPrograms.Clear();
            var (results, _) = await Upload(new CopyOptions { Force = true }, "longer than old");
            Assert.Equal(FileCopyAction.Copied, Assert.Single(results).Action);
            Assert.DoesNotContain("/etc/app.conf", _host.Reads);
        }

        [Fact]
        public async Task Issue22Item5WithoutAnyToolSudoIsRefusedBeforeAnythingIsWritten()
        {
            _host.HashPrograms.Clear();
            var error = await Assert.ThrowsAsync<SentinelException>(() => Upload(new CopyOptions { Force = true, Sudo = true }, "new"));
            Assert.Equal((ErrorIds.HashToolMissing, "web01"), (error.ErrorId, error.ComputerName));
            Assert.Contains("sha256sum, shasum, sha256 or openssl", error.Message);
            Assert.Equal(new[] { "/etc/app.conf" }, _host.Files.Keys);
            Assert.Empty(_host.SudoCommands);
        }

        [Fact]
        public async Task Issue22Item5OnAnSftpOnlyAccountAPlainCopyRunsNoCommandAndIsReadBack()
        {
            _host.SftpOnly = true;
            var (results, errors) = await Upload(new CopyOptions { Force = true }, "new");
            Assert.Empty(errors);
            Assert.Equal((FileCopyAction.Copied, FileCopyVerification.ReadBack), (Assert.Single(results).Action, results[0].Verification));
            Assert.Equal("new", _host.Text("/etc/app.conf"));
            Assert.StartsWith("echo sentinel-probe-", Assert.Single(_host.Commands), StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("-Sudo")]
        [InlineData("-Validate")]
        [InlineData("-Backup")]
        [InlineData("-Owner")]
        [InlineData("-Group")]
        [InlineData("-Mode with setuid, setgid or sticky bits")]
        public async Task Issue22Item5OnAnSftpOnlyAccountWhatNeedsCommandsIsRefusedBeforeAnythingIsWritten(string option)
        {
            _host.SftpOnly = true;
            var options = new CopyOptions { Force = true };
            switch (option)
            {
                case "-Sudo": options.Sudo = true; break;
                case "-Validate": options.Validate = "check {}"; break;
                case "-Backup": options.Backup = true; break;
                case "-Owner": options.Owner = "www-data"; break;
                case "-Group": options.Group = "www-data"; break;
                default: options.Mode = Convert.ToInt32("4755", 8); break;
            }

            var error = await Assert.ThrowsAsync<SentinelException>(() => Upload(options, "new"));
            Assert.Equal((ErrorIds.SftpOnlyAccount, ErrorCategory.PermissionDenied, "web01"), (error.ErrorId, error.Category, error.ComputerName));
            Assert.Contains(option + " needs commands", error.Message);
            Assert.Contains("This service allows sftp connections only.", error.Message);
            Assert.Equal("old", _host.Text("/etc/app.conf"));
            Assert.Equal(new[] { "/etc/app.conf" }, _host.Files.Keys);
            Assert.Single(_host.Commands);
        }

        [Fact]
        public async Task Issue22Item5TheHostIsProbedOncePerSession()
        {
            var session = ScriptedRemoteHost.NewSession();
            await Upload(new CopyOptions { Force = true }, "new", session: session);
            await Upload(new CopyOptions { Force = true }, "newer", session: session);
            Assert.Single(_host.Commands, c => c.StartsWith("echo sentinel-probe-", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Issue22Item5AnUnwritableDestinationDirectoryIsFilePermissionDenied()
        {
            _host.Directories.Add("/srv/locked");
            _host.UnwritableDirectories.Add("/srv/locked");
            var results = new List<FileCopyResult>();
            var errors = new List<SentinelException>();
            var context = new CopyContext(new ScriptedRemoteHost(ScriptedRemoteHost.NewSession(), _host.Run), _host, new CopyOptions(), default) { Emit = results.Add, Fail = errors.Add };
            await FileUploader.RunAsync(context, new[] { Source("new") }, "/srv/locked/app.conf");
            var error = Assert.Single(errors);
            Assert.Equal((ErrorIds.FilePermissionDenied, ErrorCategory.PermissionDenied, "web01"), (error.ErrorId, error.Category, error.ComputerName));
            Assert.Contains("'/srv/locked/app.conf'", error.Message);
        }
    }
}
