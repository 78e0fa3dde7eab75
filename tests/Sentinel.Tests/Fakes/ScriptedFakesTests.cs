using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Execution;
using Sentinel.Files;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Fakes
{
    /// <summary>The fakes behave as the tests built on them assume.</summary>
    public sealed class ScriptedFakesTests
    {
        private static SshConnectRequest Request(string host, string? password = null)
        {
            var request = new SshConnectRequest(host, host, 22, "ops", TimeSpan.FromSeconds(5), offer => true);
            if (password != null)
            {
                var secret = new SecureString();
                foreach (var c in password)
                {
                    secret.AppendChar(c);
                }

                request.Password = secret;
            }

            return request;
        }

        [Fact]
        public async Task RecordsWhatEachRequestOfferedAndAnswersPerHost()
        {
            var transport = new ScriptedTransport();
            var bastion = transport.Accept("bastion");
            transport.Fail("target", new IOException("boom"));
            transport.AddKey("/keys/id");

            var request = Request("bastion", "s3cret");
            request.Keys.Add(transport.LoadPrivateKey("/keys/id", null, "bastion"));
            Assert.Same(bastion, await transport.ConnectAsync(request, CancellationToken.None));
            await Assert.ThrowsAsync<IOException>(() => transport.ConnectAsync(Request("target"), CancellationToken.None));

            Assert.Equal("s3cret", transport.RequestsFor("bastion").Single().Password);
            Assert.Equal(new[] { "/keys/id" }, transport.RequestsFor("bastion").Single().KeyPaths);
            Assert.Null(transport.RequestsFor("target").Single().Password);
            Assert.Equal(new[] { bastion }, transport.Connections);
        }

        [Fact]
        public async Task AHangingHostWaitsForCancellation()
        {
            var transport = new ScriptedTransport();
            var reached = transport.Hang("slow");
            using var cancel = new CancellationTokenSource();
            var connecting = transport.ConnectAsync(Request("slow"), cancel.Token);
            await reached;
            Assert.False(connecting.IsCompleted);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting);
        }

        [Fact]
        public async Task AProcessHeldOpenStreamsUntilItExitsAndCapturesStdin()
        {
            var process = ScriptedProcess.HoldOpen(stderr: "[sudo] password: ");
            var connection = new ScriptedConnection().Then(process);
            var started = (ScriptedProcess)connection.Start("sudo -S id");

            var buffer = new byte[64];
            Assert.Equal(17, started.StandardError.Read(buffer, 0, buffer.Length));
            using (var stdin = started.OpenStandardInput())
            {
                stdin.Write(new byte[] { (byte)'p', (byte)'\n' }, 0, 2);
            }

            Assert.Equal("p\n", process.StandardInput.Text);
            Assert.True(process.StandardInput.Closed);
            Assert.False(process.Completion.IsCompleted);

            process.StandardOutput.Feed("0\n");
            process.Exit(0);
            Assert.Equal(0, (await process.Completion).ExitCode);
            Assert.Equal("0\n", new StreamReader(process.StandardOutput).ReadToEnd());
            Assert.Equal(new[] { "sudo -S id" }, connection.Commands);
        }

        [Fact]
        public async Task TerminateEndsTheProcessAndFailuresSurfaceWhereScripted()
        {
            var process = ScriptedProcess.HoldOpen();
            process.Terminate();
            Assert.Equal("TERM", (await process.Completion).ExitSignal);
            Assert.True(process.Terminated);

            var failing = new ScriptedProcess("partial");
            failing.StandardError.FailWith(new InvalidOperationException("collector"));
            Assert.Throws<InvalidOperationException>(() => failing.StandardError.Read(new byte[8], 0, 8));
            failing.StandardInput.WriteFailure = new IOException("pipe");
            Assert.Throws<IOException>(() => failing.StandardInput.Write(new byte[1], 0, 1));

            var connection = new ScriptedConnection().ThenStartThrows(new TimeoutException("channel"));
            Assert.Throws<TimeoutException>(() => connection.Start("x"));

            var forward = connection.ForwardLocal("target", 22);
            connection.Dispose();
            forward.Dispose();
            Assert.Equal(1, connection.DisposeCount);
            Assert.True(connection.Forwards.Single().IsDisposed);
        }

        [Fact]
        public async Task AScriptedFileTreeListsReadsAndHashesAsAHostWouldAndTakesNoWrites()
        {
            var remote = new ScriptedFileTransfer().AddFile("/srv/pub/a.txt", "abcd", 0x1C0).AddFile("/srv/pub/sub/it's.txt", "x");
            remote.ExtraNames["/srv/pub"] = new[] { "../evil" };

            var listed = await remote.ListAsync("/srv/pub", 10, CancellationToken.None);
            Assert.Equal(new[] { "sub", "a.txt", "../evil" }, listed.Select(e => e.Name));
            Assert.Equal((RemoteFileKind.File, 0x1C0), (remote.Stat("/srv/pub/a.txt")!.Kind, remote.Stat("/srv/pub/a.txt")!.Mode));
            Assert.Equal(2, (await remote.ListAsync("/srv/pub", 2, CancellationToken.None)).Count);

            var copy = new MemoryStream();
            var progress = new List<long>();
            await remote.DownloadAsync("/srv/pub/a.txt", copy, progress.Add, CancellationToken.None);
            Assert.Equal("abcd", Encoding.UTF8.GetString(copy.ToArray()));
            Assert.Equal(new[] { 2L, 4L }, progress);

            var hashed = await remote.Run(new CommandRequest(HashTool.Sha256Sum.Command(new[] { "/srv/pub/sub/it's.txt", "/srv/missing" })), CancellationToken.None);
            Assert.Equal("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  /srv/pub/sub/it's.txt\n", hashed.Output);
            Assert.Throws<InvalidOperationException>(() => remote.Remove("/srv/pub/a.txt"));
        }
    }
}
