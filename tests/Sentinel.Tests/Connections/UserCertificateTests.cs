using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Sentinel.Agent;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Inventory;
using Sentinel.Tests.Fakes;
using Sentinel.Tests.HostKeys;
using Xunit;

namespace Sentinel.Tests.Connections
{
    /// <summary>Which user certificate goes with which key, and that one not valid now stops before dialling.</summary>
    public sealed class UserCertificateTests : IDisposable
    {
        // ssh-keygen -t ed25519 -f u; then ssh-keygen -s uca -n sentinel -I <id> of u.pub:
        // Forever: -I forever-id (no -V)   Later: -I later-id -V 20990101:21000101   Expired: -I expired-id -V 20200101:20200201
        private const string UserKey = "AAAAC3NzaC1lZDI1NTE5AAAAIGZqB7MeCNCLgN7x1LpxntqyT2NLyZ+Z0zi+pNfKaYEE";
        private const string Forever = "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIIuoC+5th+R5B99qoNsIxaBq3r/1StVU+BFZqEvsR3jUAAAAIGZqB7MeCNCLgN7x1LpxntqyT2NLyZ+Z0zi+pNfKaYEEAAAAAAAAAAAAAAABAAAACmZvcmV2ZXItaWQAAAAMAAAACHNlbnRpbmVsAAAAAAAAAAD//////////wAAAAAAAACCAAAAFXBlcm1pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAAAFnBlcm1pdC1wb3J0LWZvcndhcmRpbmcAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC11c2VyLXJjAAAAAAAAAAAAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIKf6XWvOTe2VKZ4dlN7yfzKcyf6X8RYfRd5fCicLGoiLAAAAUwAAAAtzc2gtZWQyNTUxOQAAAECHyjNN3PxidDGVxYCIVWwh3RctUmWMBeL3UEIQql5BY/MsOJ9NaPq557k5MIcXYC4KIRDDRppPQMSkse9edpQF";
        private const string Later = "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAICMzp9lAIoTMGWHQNQEPwkdUQV4dpy6HAThrRgOgU0mGAAAAIGZqB7MeCNCLgN7x1LpxntqyT2NLyZ+Z0zi+pNfKaYEEAAAAAAAAAAAAAAABAAAACGxhdGVyLWlkAAAADAAAAAhzZW50aW5lbAAAAADypSOAAAAAAPSGVwAAAAAAAAAAggAAABVwZXJtaXQtWDExLWZvcndhcmRpbmcAAAAAAAAAF3Blcm1pdC1hZ2VudC1mb3J3YXJkaW5nAAAAAAAAABZwZXJtaXQtcG9ydC1mb3J3YXJkaW5nAAAAAAAAAApwZXJtaXQtcHR5AAAAAAAAAA5wZXJtaXQtdXNlci1yYwAAAAAAAAAAAAAAMwAAAAtzc2gtZWQyNTUxOQAAACCn+l1rzk3tlSmeHZTe8n8ynMn+l/EWH0XeXwonCxqIiwAAAFMAAAALc3NoLWVkMjU1MTkAAABA14HtpSbPctyBp1xNbIbh/vZye3Z7pjyRdnjURNEUN6d+VWGVxP1jAzHxoXsvfAmea39ODbqezuYlBu6kEGnUAQ==";
        private const string Expired = "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIHw7zlI4zZsDuFQQKck7N3AmQkM+sG7f0FVEjvZfCau0AAAAIGZqB7MeCNCLgN7x1LpxntqyT2NLyZ+Z0zi+pNfKaYEEAAAAAAAAAAAAAAABAAAACmV4cGlyZWQtaWQAAAAMAAAACHNlbnRpbmVsAAAAAF4L4QAAAAAAXjS/gAAAAAAAAACCAAAAFXBlcm1pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAAAFnBlcm1pdC1wb3J0LWZvcndhcmRpbmcAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC11c2VyLXJjAAAAAAAAAAAAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIKf6XWvOTe2VKZ4dlN7yfzKcyf6X8RYfRd5fCicLGoiLAAAAUwAAAAtzc2gtZWQyNTUxOQAAAEC+fOqeuMNvasM8XgFyqO8xgnhaPFojEbLRYh6C2jpG84EGJYKNdXnd0vK7rUMXrrTZbhoI74L6qAr2GWsc5k4O";

        private readonly string _folder = Path.Combine(Path.GetTempPath(), "usercert-" + Guid.NewGuid().ToString("N"));
        private readonly ScriptedTransport _transport = new ScriptedTransport();
        private readonly List<string> _log = new List<string>();
        private readonly string _key;

        public UserCertificateTests()
        {
            Directory.CreateDirectory(_folder);
            File.WriteAllText(Path.Combine(_folder, "config"), "Host target\n  HostName 10.0.0.3\n");
            _key = Path.Combine(_folder, "id_test");
            File.WriteAllText(_key + ".pub", "ssh-ed25519 " + UserKey + " u\n");
            _transport.AddKey(_key);
            _transport.AcceptEach("target");
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private string WriteCertificate(string path, string base64)
        {
            File.WriteAllText(path, "ssh-ed25519-cert-v01@openssh.com " + base64 + " u\n");
            return path;
        }

        private Task<ConnectAttempt> Connect(string[]? certificateFiles = null)
        {
            var asked = new ConnectionParameters { KeyFiles = new[] { _key }, CertificateFiles = certificateFiles, KnownHostsFile = Path.Combine(_folder, "known_hosts"), HostKeyPolicy = HostKeyPolicy.Ignore };
            var planner = new ConnectionPlanner(_transport, asked, SshConfig.Load(Path.Combine(_folder, "config")), () => new List<Results.ServerEntry>(), p => p, name => null);
            return new Connector(_transport).ConnectAsync(planner.SettingsFor("target", null), line => { lock (_log) { _log.Add(line); } }, default);
        }

        [Fact]
        public async Task ACertificateBesideTheKeyIsOfferedWithIt()
        {
            WriteCertificate(_key + "-cert.pub", Forever);
            await Connect();
            var key = Assert.Single(Assert.Single(_transport.Requests).Request.Keys);
            Assert.Equal("forever-id", key.Certificate!.KeyId);
            Assert.Equal(_key + "-cert.pub", key.CertificatePath);
            Assert.Contains(_log, l => l.Contains("Offering the certificate") && l.Contains("forever-id"));
        }

        [Fact]
        public async Task CertificateFileNamesOneElsewhere()
        {
            var named = WriteCertificate(Path.Combine(_folder, "elsewhere.pub"), Forever);
            WriteCertificate(_key + "-cert.pub", Expired);
            await Connect(new[] { named });
            Assert.Equal(named, Assert.Single(Assert.Single(_transport.Requests).Request.Keys).CertificatePath);
        }

        [Theory]
        [InlineData(Expired, "expired-id", "has expired", "from 2020-01-01 00:00:00Z to 2020-02-01 00:00:00Z")]
        [InlineData(Later, "later-id", "not yet valid", "from 2099-01-01 00:00:00Z to 2100-01-01 00:00:00Z")]
        public async Task ACertificateNotValidNowFailsBeforeDialling(string certificate, string keyId, string problem, string window)
        {
            WriteCertificate(_key + "-cert.pub", certificate);
            var attempt = await Connect();
            var error = Assert.IsType<SentinelException>(attempt.Error);
            Assert.Equal(ErrorIds.CertificateInvalid, error.ErrorId);
            Assert.Contains(keyId, error.Message);
            Assert.Contains(problem, error.Message);
            Assert.Contains(window, error.Message);
            Assert.Contains("now is " + DateTime.UtcNow.ToString("yyyy-MM-dd"), error.Message);
            Assert.Empty(_transport.Requests);
        }

        [Fact]
        public async Task ANamedCertificateOfAnotherKeyIsAnError()
        {
            var other = Path.Combine(_folder, "other-cert.pub");
            File.WriteAllText(other, "ssh-ed25519-cert-v01@openssh.com " + TestKeysCertificate + "\n");
            var error = Assert.IsType<SentinelException>((await Connect(new[] { other })).Error);
            Assert.Equal(ErrorIds.CertificateInvalid, error.ErrorId);
            Assert.Contains("none of the key files", error.Message);
            Assert.Empty(_transport.Requests);
        }

        [Theory]
        [InlineData("garbage")]
        [InlineData("")]
        public async Task ANamedFileThatIsNoCertificateIsAnError(string content)
        {
            var path = Path.Combine(_folder, "bad-cert.pub");
            File.WriteAllText(path, content);
            var error = Assert.IsType<SentinelException>((await Connect(new[] { path })).Error);
            Assert.Equal(ErrorIds.CertificateInvalid, error.ErrorId);
            Assert.Empty(_transport.Requests);
        }

        [Fact]
        public async Task GarbageBesideTheKeyIsIgnoredAsSshIgnoresIt()
        {
            File.WriteAllText(_key + "-cert.pub", "ssh-ed25519-cert-v01@openssh.com AAAA\n");
            await Connect();
            Assert.Null(Assert.Single(Assert.Single(_transport.Requests).Request.Keys).Certificate);
            Assert.Contains(_log, l => l.Contains("Ignoring"));
        }

        [Theory]
        [InlineData(Forever, true)]
        [InlineData(Expired, false)]
        [InlineData(Later, false)]
        [InlineData(UserKey, true)]
        public void AnAgentCertificateIsOfferedOnlyWhileValid(string blob, bool offered)
        {
            var log = new List<string>();
            var identity = AgentIdentity.FromBlob(TestKeys.Bytes(blob), "agent")!;
            Assert.Equal(offered, UserCertificates.UsableFromAgent(identity, DateTime.UtcNow, log.Add));
            Assert.Equal(offered, log.Count == 0);
        }

        [Fact]
        public void AHostCertificateIsNoUserCertificate()
        {
            var identity = AgentIdentity.FromBlob(TestKeys.Bytes(TestKeysCertificate), "agent")!;
            Assert.False(UserCertificates.UsableFromAgent(identity, DateTime.UtcNow, _ => { }));
        }

        private const string TestKeysCertificate = TestKeys.Ed25519Certificate;
    }
}
