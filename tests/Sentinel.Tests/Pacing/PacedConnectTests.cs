using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Inventory;
using Sentinel.Pacing;
using Sentinel.Tests.Connections;
using Sentinel.Tests.Fakes;
using Sentinel.Tests.Remediation;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Pacing
{
    /// <summary>The connector's handshakes: paced, and timed out on the host's time with the handshake's own story.</summary>
    public sealed class PacedConnectTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "paced-" + Guid.NewGuid().ToString("N"));
        private readonly ScriptedTransport _transport = new ScriptedTransport();
        private readonly FakeClock _clock = new FakeClock();
        private readonly HandshakePacer _pacer;

        public PacedConnectTests()
        {
            Directory.CreateDirectory(_folder);
            File.WriteAllText(Path.Combine(_folder, "config"), "Host target\n  HostName 10.0.0.3\n  Port 22\n");
            _transport.AddKey("/keys/target");
            _pacer = new HandshakePacer(32, TimeSpan.FromSeconds(10), _ => { }, new FakeRunnerLoad(), _clock);
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        /// <param name="clock">The fake clock for a handshake that stalls; the system clock for one that completes, which the fake's instant time could outrun.</param>
        private Task<ConnectAttempt> Connect(IRunnerLoad load, Sentinel.Remediation.IClock? clock = null)
        {
            var asked = new ConnectionParameters { KeyFiles = new[] { "/keys/target" }, KnownHostsFile = Path.Combine(_folder, "known_hosts") };
            var planner = new ConnectionPlanner(_transport, asked, SshConfig.Load(Path.Combine(_folder, "config")), () => new List<Results.ServerEntry>(), p => p, name => null);
            return new Connector(_transport, _pacer, load, clock ?? _clock).ConnectAsync(planner.SettingsFor("target", null), _ => { }, CancellationToken.None);
        }

        /// <summary>
        /// A server that says its version line (or nothing) and then never finishes the handshake; the
        /// fake clock moves only once it has got that far.
        /// </summary>
        private void Stalls(bool answers)
        {
            var stalled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _clock.BeforeAdvance = () => stalled.Task;
            _transport.On("target", async (request, cancellationToken) =>
            {
                if (answers)
                {
                    request.ServerAnswered?.Invoke("SSH-2.0-OpenSSH_9.2\u001b[2J");
                }

                stalled.SetResult(true);
                await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
                throw new InvalidOperationException("not reached");
            });
        }

        [Fact]
        public async Task AHostThatNeverAnswersIsAConnectionTimeoutAtTheTimeoutSayingItSentNothing()
        {
            Stalls(answers: false);
            var attempt = await Connect(FakeRunnerLoad.AlwaysSaturated(_clock));
            Assert.Equal(ErrorIds.ConnectionTimeout, attempt.Error!.ErrorId);
            Assert.Equal("target", attempt.Error.ComputerName);
            Assert.StartsWith("Connecting to target port 22 timed out after 10 s of the host's time: the host sent nothing in 10.0 s", attempt.Error.Message, StringComparison.Ordinal);
            Assert.Equal(HandshakePacer.FirstLimit, _pacer.Limit);
            Assert.Equal(0, _pacer.InFlight);
        }

        [Fact]
        public async Task AHostThatAnsweredWaitsOutASaturatedMachineAndTheErrorSaysSo()
        {
            Stalls(answers: true);
            var attempt = await Connect(FakeRunnerLoad.AlwaysSaturated(_clock));
            Assert.Equal(ErrorIds.ConnectionTimeout, attempt.Error!.ErrorId);
            Assert.Contains("the server answered after 0.0 s ('SSH-2.0-OpenSSH_9.2 [2J')", attempt.Error.Message, StringComparison.Ordinal);
            Assert.Contains("this machine was saturated for 60.0 s of that", attempt.Error.Message, StringComparison.Ordinal);
            Assert.Equal(HandshakePacer.FirstLimit / 2, _pacer.Limit);
        }

        [Fact]
        public async Task AHandshakeThatCompletesGivesItsPlaceBack()
        {
            _transport.Accept("target");
            var attempt = await Connect(new FakeRunnerLoad(), Sentinel.Remediation.SystemClock.Instance);
            Assert.True(attempt.Connection != null, attempt.Error?.Message);
            Assert.Equal(0, _pacer.InFlight);
            attempt.Connection!.Dispose();
        }
    }
}
