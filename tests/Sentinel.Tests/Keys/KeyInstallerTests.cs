using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Keys;
using Sentinel.Results;
using Sentinel.Tests.Fakes;
using Sentinel.Tests.HostKeys;
using Xunit;

namespace Sentinel.Tests.Keys
{
    /// <summary>KeyInstaller.AddAsync against a scripted host holding an authorized_keys, and its two commands in a real shell.</summary>
    public sealed class KeyInstallerTests
    {
        private static readonly PublicKey Key = PublicKey.ParseFile("ssh-ed25519 " + TestKeys.Ed25519 + " ops@laptop\n", out _)!;
        private static readonly string OtherKeyLine = "ssh-rsa " + TestKeys.Rsa + " someone@else";

        private readonly List<CommandRequest> _asked = new List<CommandRequest>();

        /// <summary>The host's ~/.ssh/authorized_keys; null when there is none.</summary>
        private string? _authorizedKeys;

        private (int Exit, string Error)? _appendFails;
        private bool _readTruncated;

        private Task<bool> Add() => KeyInstaller.AddAsync(new ScriptedRemoteHost(ScriptedRemoteHost.NewSession(), (request, _) =>
        {
            _asked.Add(request);
            var (exit, output, error) = (0, string.Empty, string.Empty);
            if (request.Command == KeyInstaller.ReadCommand)
            {
                output = _authorizedKeys ?? string.Empty;
            }
            else if (request.Command == KeyInstaller.AppendCommand && _appendFails is (int, string) failure)
            {
                (exit, error) = failure;
            }
            else if (request.Command == KeyInstaller.AppendCommand)
            {
                _authorizedKeys = (_authorizedKeys ?? string.Empty) + Encoding.UTF8.GetString(request.Input!);
            }
            else
            {
                throw new InvalidOperationException("unexpected: " + request.Command);
            }

            return Task.FromResult(new CommandResult("web01", 1, request.Command, request.Sudo, exit, null, output, error, DateTime.Now, TimeSpan.Zero, output.Length, error.Length, _readTruncated));
        }), Key, CancellationToken.None);

        [Theory]
        [InlineData("ssh-ed25519 " + TestKeys.Ed25519 + " another-comment\n")]
        [InlineData("# keys\n\nno-pty,command=\"uptime\" ssh-ed25519 " + TestKeys.Ed25519 + "\n")]
        [InlineData("ssh-rsa " + TestKeys.Rsa + " x\r\nssh-ed25519 " + TestKeys.Ed25519)]
        public async Task AKeyAlreadyThereIsNotAppendedWhateverItsCommentOptionsOrLineEnd(string authorizedKeys)
        {
            _authorizedKeys = authorizedKeys;
            Assert.False(await Add());
            Assert.Equal(authorizedKeys, _authorizedKeys);
            Assert.Equal(new[] { KeyInstaller.ReadCommand }, _asked.Select(r => r.Command));
        }

        [Fact]
        public async Task AMissingKeyGoesOnStdinAsOneLineAndNeverOnTheCommandLine()
        {
            _authorizedKeys = OtherKeyLine; // no newline at the end: the append command adds one first
            Assert.True(await Add());
            var append = _asked.Single(r => r.Command == KeyInstaller.AppendCommand);
            Assert.Equal(Key.Line + "\n", Encoding.UTF8.GetString(append.Input!));
            Assert.DoesNotContain(TestKeys.Ed25519, append.Command);
            Assert.All(_asked, r => Assert.False(r.Sudo));
            Assert.Equal(new[] { KeyInstaller.ReadCommand, KeyInstaller.AppendCommand }, _asked.Select(r => r.Command));
        }

        [Fact]
        public async Task AFileTooLargeToCheckIsRefusedBeforeAnythingIsWritten()
        {
            _authorizedKeys = OtherKeyLine + "\n";
            _readTruncated = true;
            var error = await Assert.ThrowsAsync<SentinelException>(Add);
            Assert.Equal(ErrorIds.KeyInstallFailed, error.ErrorId);
            Assert.Equal("web01", error.ComputerName);
            Assert.Contains("too large", error.Message);
            Assert.Equal(new[] { KeyInstaller.ReadCommand }, _asked.Select(r => r.Command));
            Assert.Equal(8 * 1024 * 1024, _asked[0].MaxOutputBytes);
        }

        [Fact]
        public async Task AFailingAppendIsInstallFailedWithTheHostsMessageAndExitCode()
        {
            _appendFails = (1, "mkdir: cannot create directory '/home/ops/.ssh': Permission denied\n");
            var error = await Assert.ThrowsAsync<SentinelException>(Add);
            Assert.Equal(ErrorIds.KeyInstallFailed, error.ErrorId);
            Assert.Contains("append the key", error.Message);
            Assert.Contains("Permission denied (exit 1)", error.Message);
            Assert.Contains("'ops'", error.Message);
        }

        [Fact]
        public async Task AFailingReadIsInstallFailedAndNothingIsAppended()
        {
            var host = new ScriptedRemoteHost(ScriptedRemoteHost.NewSession(), (request, _) =>
            {
                _asked.Add(request);
                return Task.FromResult(new CommandResult("web01", 1, request.Command, false, 1, null, string.Empty, "cat: /home/ops/.ssh/authorized_keys: Permission denied\n", DateTime.Now, TimeSpan.Zero, 0, 10, false));
            });
            var error = await Assert.ThrowsAsync<SentinelException>(() => KeyInstaller.AddAsync(host, Key, CancellationToken.None));
            Assert.Equal(ErrorIds.KeyInstallFailed, error.ErrorId);
            Assert.Contains("read ~/.ssh/authorized_keys", error.Message);
            Assert.Single(_asked);
        }

        /// <summary>The two commands in a real /bin/sh with HOME in a temporary folder: what they do to the file itself.</summary>
        [Theory]
        [UnsupportedOSPlatform("windows")]
        [InlineData(null, "KEY\n")]
        [InlineData("", "KEY\n")]
        [InlineData("ssh-rsa AAAA old", "ssh-rsa AAAA old\nKEY\n")]
        [InlineData("ssh-rsa AAAA old\n", "ssh-rsa AAAA old\nKEY\n")]
        public void TheAppendStartsALineOfItsOwnAndRewritesNothing(string? before, string after)
        {
            var home = Path.Combine(Path.GetTempPath(), "sentinel-keys-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(home);
            try
            {
                var file = Path.Combine(home, ".ssh", "authorized_keys");
                if (before != null)
                {
                    Directory.CreateDirectory(Path.Combine(home, ".ssh"));
                    File.WriteAllText(file, before);
                }

                Assert.Equal((0, before ?? string.Empty), Shell(home, KeyInstaller.ReadCommand, null));
                Assert.Equal((0, string.Empty), Shell(home, KeyInstaller.AppendCommand, "KEY\n"));
                Assert.Equal(after, File.ReadAllText(file));
                if (before == null)
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(home, ".ssh")));
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                }
            }
            finally
            {
                Directory.Delete(home, recursive: true);
            }
        }

        [UnsupportedOSPlatform("windows")]
        private static (int Exit, string Output) Shell(string home, string command, string? input)
        {
            var start = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(command);
            start.Environment["HOME"] = home;
            using var process = Process.Start(start)!;
            process.StandardInput.Write(input ?? string.Empty);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(10_000));
            return (process.ExitCode, output);
        }
    }
}
