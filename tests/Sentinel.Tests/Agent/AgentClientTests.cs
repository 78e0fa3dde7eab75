using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Agent;
using Sentinel.Errors;
using Sentinel.Tests.HostKeys;
using Xunit;

namespace Sentinel.Tests.Agent
{
    /// <summary>The agent protocol against scripted agents, honest and hostile: every bad answer ends in an AgentException, fast.</summary>
    public sealed class AgentClientTests
    {
        // Generous for answers that come (a cold thread pool is slow on a busy machine), short for agents that hang.
        // Longer than the 30 s hang ceiling below, so a reply that made the client wait for its timeout fails there.
        private static readonly TimeSpan Normal = TimeSpan.FromSeconds(60);
        private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

        [Fact]
        public void ListsIdentitiesInTheAgentsOrder()
        {
            var reply = Message(12, UInt32(2), Str(TestKeys.Bytes(TestKeys.Ed25519)), Str("first"), Str(TestKeys.Bytes(TestKeys.Rsa)), Str("second"));
            using var client = new AgentClient(new ScriptedAgentStream(reply), "test", Normal);

            var identities = client.ListIdentities();

            Assert.Equal(new[] { "ssh-ed25519", "ssh-rsa" }, identities.Select(i => i.KeyType));
            Assert.Equal(TestKeys.Ed25519Fingerprint, identities[0].Fingerprint);
            Assert.Equal("second", identities[1].Comment);
        }

        [Fact]
        public void SendsTheRsaSha2FlagAndReturnsTheSignatureBlob()
        {
            var signature = Concat(Str("rsa-sha2-512"), Str(new byte[] { 1, 2, 3 }));
            var stream = new ScriptedAgentStream(Message(14, Str(signature)));
            using var client = new AgentClient(stream, "test", Normal);

            Assert.Equal(signature, client.Sign(TestKeys.Bytes(TestKeys.Rsa), new byte[] { 9 }, AgentProtocol.RsaSha2_512));

            var sent = new AgentWireReaderForTests(stream.Written);
            Assert.Equal(13, sent.Type);
            Assert.Equal(TestKeys.Bytes(TestKeys.Rsa), sent.Reader.ReadBytes());
            Assert.Equal(new byte[] { 9 }, sent.Reader.ReadBytes());
            Assert.Equal(4u, sent.Reader.ReadUInt32());
        }

        [Fact]
        public void AnAgentThatRefusesToSignReturnsNull()
        {
            using var client = new AgentClient(new ScriptedAgentStream(Message(5)), "test", Normal);
            Assert.Null(client.Sign(TestKeys.Bytes(TestKeys.Ed25519), new byte[] { 1 }, 0));
        }

        [Fact]
        public void SkipsIdentitiesWhoseBlobIsNotAKey()
        {
            var reply = Message(12, UInt32(2), Str(new byte[] { 0, 0, 0, 200, 1 }), Str("junk"), Str(TestKeys.Bytes(TestKeys.Ed25519)), Str("good"));
            using var client = new AgentClient(new ScriptedAgentStream(reply), "test", Normal);
            Assert.Equal("good", Assert.Single(client.ListIdentities()).Comment);
        }

        public static IEnumerable<object[]> HostileReplies() => new[]
        {
            new object[] { "empty message", Message(-1) },
            new object[] { "wrong type", Message(14, Str("x")) },
            new object[] { "failure", Message(5) },
            new object[] { "count past the body", Message(12, UInt32(3), Str(TestKeys.Bytes(TestKeys.Ed25519)), Str("only one")) },
            new object[] { "huge count", Message(12, UInt32(uint.MaxValue)) },
            new object[] { "string length past the end", Message(12, UInt32(1), UInt32(0x7fffffff)) },
            new object[] { "truncated count", Message(12, new byte[] { 0, 0 }) },
            new object[] { "announced length beyond the limit", UInt32(AgentProtocol.MaxMessageLength + 1) },
            new object[] { "announced length 4 GiB", UInt32(uint.MaxValue) },
            new object[] { "zero length", UInt32(0) },
            new object[] { "closes mid-header", new byte[] { 0, 0 } },
            new object[] { "closes mid-body", Concat(UInt32(100), new byte[] { 12, 0, 0 }) },
        };

        [Theory]
        [MemberData(nameof(HostileReplies))]
        public void AHostileListReplyIsAnAgentException(string what, byte[] reply)
        {
            using var client = new AgentClient(new ScriptedAgentStream(reply), "test", Normal);
            var clock = Stopwatch.StartNew();
            var e = Assert.Throws<AgentException>(() => client.ListIdentities());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), what);
            Assert.NotEmpty(e.Message);
        }

        [Fact]
        public void AMalformedSignatureIsAnAgentException()
        {
            using var client = new AgentClient(new ScriptedAgentStream(Message(14, Str(new byte[] { 0, 0, 0, 9, 1 }))), "test", Normal);
            Assert.Throws<AgentException>(() => client.Sign(TestKeys.Bytes(TestKeys.Ed25519), new byte[] { 1 }, 0));
        }

        [Fact]
        public void AnAgentThatNeverAnswersTimesOutAndClosesTheStream()
        {
            var stream = new ScriptedAgentStream(new byte[0], hangAfterReply: true);
            using var client = new AgentClient(stream, "test", Short);
            var clock = Stopwatch.StartNew();

            var e = Assert.Throws<AgentException>(() => client.ListIdentities());

            Assert.Contains("did not answer", e.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
            Assert.True(stream.Disposed);
            Assert.Throws<AgentException>(() => client.ListIdentities());
        }

        [Fact]
        public void AnAgentThatStallsMidReplyTimesOut()
        {
            using var client = new AgentClient(new ScriptedAgentStream(Concat(UInt32(50), new byte[] { 12, 0 }), hangAfterReply: true), "test", Short);
            Assert.Throws<AgentException>(() => client.ListIdentities());
        }

        [Fact]
        public void TheAgentKeyRefusesASha1SignatureFromAnOldAgent()
        {
            var identity = AgentIdentity.FromBlob(TestKeys.Bytes(TestKeys.Rsa), "old")!;
            var sha1 = Concat(Str("ssh-rsa"), Str(new byte[] { 1 }));
            var key = new AgentKey(identity, new AgentClient(new ScriptedAgentStream(Message(14, Str(sha1))), "/run/agent.sock", Normal), "web01");

            var e = Assert.Throws<SentinelException>(() => key.Sign(new byte[] { 1 }, AgentProtocol.RsaSha2_512, "rsa-sha2-512"));

            Assert.Equal(ErrorIds.AgentUnavailable, e.ErrorId);
            Assert.Contains("'ssh-rsa' where 'rsa-sha2-512' was asked", e.Message);
        }

        [Fact]
        public void AnAgentThatDiesWhileSigningIsAgentUnavailableForTheHost()
        {
            var identity = AgentIdentity.FromBlob(TestKeys.Bytes(TestKeys.Ed25519), "k")!;
            var key = new AgentKey(identity, new AgentClient(new ScriptedAgentStream(new byte[] { 0, 0, 0 }), "/run/agent.sock", Normal), "web01");

            var e = Assert.Throws<SentinelException>(() => key.Sign(new byte[] { 1 }, 0, "ssh-ed25519"));

            Assert.Equal(ErrorIds.AgentUnavailable, e.ErrorId);
            Assert.Equal("web01", e.ComputerName);
            Assert.Contains("closed the connection", e.Message);
        }

        [Fact]
        public void RandomRepliesNeverEscapeAsAnythingButAgentException()
        {
            var random = new Random(1311);
            var valid = Message(12, UInt32(1), Str(TestKeys.Bytes(TestKeys.Ed25519)), Str("c"));
            for (var i = 0; i < 500; i++)
            {
                var reply = (byte[])valid.Clone();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    reply[random.Next(reply.Length)] = (byte)random.Next(256);
                }

                reply = reply.Take(random.Next(reply.Length + 1)).ToArray();
                using var client = new AgentClient(new ScriptedAgentStream(reply), "test", Normal);
                try
                {
                    client.ListIdentities();
                }
                catch (AgentException)
                {
                }
            }
        }

        [Fact]
        public void AMissingSocketIsAnAgentException()
        {
            var e = Assert.Throws<AgentException>(() => AgentSocket.Open(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), Short));
            Assert.Contains("no socket exists there", e.Message);
        }

        [Fact]
        public void LocatesTheAgentAsSshDoes()
        {
            string? Env(string name) => name == "SSH_AUTH_SOCK" ? "/env.sock" : name == "OTHER" ? "/other.sock" : null;
            Assert.Equal("/env.sock", AgentSocket.Locate(null, Env, p => p));
            Assert.Null(AgentSocket.Locate("none", Env, p => p));
            Assert.Equal("/env.sock", AgentSocket.Locate("SSH_AUTH_SOCK", Env, p => p));
            Assert.Equal("/other.sock", AgentSocket.Locate("$OTHER", Env, p => p));
            Assert.Equal("/home/x/agent.sock", AgentSocket.Locate("~/agent.sock", Env, p => p.Replace("~", "/home/x")));
        }

        private static byte[] Message(int type, params byte[][] parts)
        {
            var body = type < 0 ? new byte[0] : Concat(new[] { new[] { (byte)type } }.Concat(parts).ToArray());
            return Concat(UInt32((uint)body.Length), body);
        }

        private static byte[] UInt32(uint value) => new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value };

        private static byte[] UInt32(int value) => UInt32((uint)value);

        private static byte[] Str(byte[] value) => Concat(UInt32((uint)value.Length), value);

        private static byte[] Str(string value) => Str(Encoding.UTF8.GetBytes(value));

        private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

        private sealed class AgentWireReaderForTests
        {
            public AgentWireReaderForTests(byte[] written)
            {
                Reader = new Sentinel.HostKeys.SshWireReader(written, 5, written.Length - 5);
                Type = written[4];
            }

            public byte Type { get; }

            public Sentinel.HostKeys.SshWireReader Reader { get; }
        }

        /// <summary>An agent on the other end of a stream: answers the scripted bytes, then ends (or hangs until closed).</summary>
        private sealed class ScriptedAgentStream : Stream
        {
            private readonly MemoryStream _reply;
            private readonly bool _hangAfterReply;
            private readonly MemoryStream _written = new MemoryStream();
            private readonly TaskCompletionSource<int> _closed = new TaskCompletionSource<int>();

            public ScriptedAgentStream(byte[] reply, bool hangAfterReply = false)
            {
                _reply = new MemoryStream(reply);
                _hangAfterReply = hangAfterReply;
            }

            public bool Disposed { get; private set; }

            public byte[] Written => _written.ToArray();

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => true;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                if (Disposed)
                {
                    return Task.FromException<int>(new ObjectDisposedException("agent"));
                }

                var read = _reply.Read(buffer, offset, count);
                return read == 0 && _hangAfterReply ? _closed.Task : Task.FromResult(read);
            }

            public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

            public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                Disposed = true;
                _closed.TrySetException(new ObjectDisposedException("agent"));
                base.Dispose(disposing);
            }
        }
    }
}
