using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Platform;
using Sentinel.Transport;

namespace Sentinel.Tests.Fakes
{
    /// <summary>
    /// An ISshTransport that answers from a script, per host: hand out a connection, throw, or hang
    /// until cancelled. A host is matched by the request's ComputerName or Address. Every request is
    /// recorded with what it offered (user, keys, password), so tests can say what each hop was sent.
    /// </summary>
    internal sealed class ScriptedTransport : ISshTransport
    {
        private readonly ConcurrentDictionary<string, Func<SshConnectRequest, CancellationToken, Task<ISshConnection>>> _script =
            new ConcurrentDictionary<string, Func<SshConnectRequest, CancellationToken, Task<ISshConnection>>>(StringComparer.OrdinalIgnoreCase);

        private readonly ConcurrentDictionary<string, string> _keyTypes = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        private readonly List<RecordedRequest> _requests = new List<RecordedRequest>();

        public ScriptedTransport(AlgorithmSet? keyExchanges = null, AlgorithmSet? ciphers = null)
        {
            KeyExchanges = keyExchanges ?? new AlgorithmSet("key exchange algorithm", new[] { "curve25519-sha256" }, new[] { "curve25519-sha256" });
            Ciphers = ciphers ?? new AlgorithmSet("cipher", new[] { "aes128-ctr" }, new[] { "aes128-ctr" });
        }

        public AlgorithmSet KeyExchanges { get; }

        public AlgorithmSet Ciphers { get; }

        /// <summary>Every connect request received, in order (thread-safe snapshot).</summary>
        public IReadOnlyList<RecordedRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return _requests.ToList();
                }
            }
        }

        /// <summary>Every connection handed out, in order.</summary>
        public IReadOnlyList<ScriptedConnection> Connections => Requests.Select(r => r.Connection).OfType<ScriptedConnection>().ToList();

        /// <summary>The requests for one host, by ComputerName or Address.</summary>
        public IReadOnlyList<RecordedRequest> RequestsFor(string host) => Requests.Where(r => r.Matches(host)).ToList();

        /// <summary>Connecting to <paramref name="host"/> succeeds with a new connection (returned, to script further).</summary>
        public ScriptedConnection Accept(string host)
        {
            var connection = new ScriptedConnection(host);
            _script[host] = (request, token) => Task.FromResult<ISshConnection>(connection);
            return connection;
        }

        /// <summary>Connecting to <paramref name="host"/> succeeds, with a new connection for each request.</summary>
        public void AcceptEach(string host)
        {
            _script[host] = (request, token) => Task.FromResult<ISshConnection>(new ScriptedConnection(host));
        }

        /// <summary>Connecting to <paramref name="host"/> throws <paramref name="exception"/> (any type).</summary>
        public void Fail(string host, Exception exception)
        {
            _script[host] = (request, token) => Task.FromException<ISshConnection>(exception);
        }

        /// <summary>
        /// Connecting to <paramref name="host"/> waits until the request's token is cancelled, then throws
        /// OperationCanceledException. The returned task completes once a connect is waiting there.
        /// </summary>
        public Task Hang(string host)
        {
            var reached = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _script[host] = async (request, token) =>
            {
                reached.TrySetResult(true);
                await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
                throw new InvalidOperationException("unreachable");
            };
            return reached.Task;
        }

        /// <summary>Any behaviour at all for <paramref name="host"/>.</summary>
        public void On(string host, Func<SshConnectRequest, CancellationToken, Task<ISshConnection>> behaviour) => _script[host] = behaviour;

        /// <summary>Makes <paramref name="path"/> load as a key of <paramref name="keyType"/>; other paths fail to load.</summary>
        public void AddKey(string path, string keyType = "ssh-ed25519") => _keyTypes[path] = keyType;

        /// <summary>
        /// When set, every connect the script lets succeed offers this host key to the request's check, as
        /// the adapter does during key exchange, and fails when it is refused; without it the check is never
        /// asked (and no Connector-made session can be built, having met no host key).
        /// </summary>
        public HostKeyOffer? HostKey { get; set; }

        /// <summary>Set to make LoadPrivateKey throw this for every path (for example an unexpected IOException).</summary>
        public Exception? KeyLoadFailure { get; set; }

        public IPrivateKey LoadPrivateKey(string path, SecureString? passphrase, string computerName)
        {
            if (KeyLoadFailure != null)
            {
                throw KeyLoadFailure;
            }

            if (!_keyTypes.TryGetValue(path, out var keyType))
            {
                throw new SentinelException(ErrorIds.KeyFileNotFound, ErrorCategory.ObjectNotFound, computerName, $"Key file '{path}' was not found (ScriptedTransport).");
            }

            return new ScriptedKey(path, keyType);
        }

        public async Task<ISshConnection> ConnectAsync(SshConnectRequest request, CancellationToken cancellationToken)
        {
            var recorded = new RecordedRequest(request);
            lock (_requests)
            {
                _requests.Add(recorded);
            }

            var behaviour = _script.TryGetValue(request.ComputerName, out var byName) ? byName
                : _script.TryGetValue(request.Address, out var byAddress) ? byAddress
                : throw new InvalidOperationException($"ScriptedTransport: nothing scripted for '{request.ComputerName}' ({request.Address}).");
            cancellationToken.ThrowIfCancellationRequested();
            var connection = await behaviour(request, cancellationToken).ConfigureAwait(false);
            if (HostKey != null && !request.VerifyHostKey(HostKey))
            {
                connection.Dispose();
                throw new System.IO.IOException($"ScriptedTransport: '{request.ComputerName}' refused the host key.");
            }

            recorded.Connection = connection;
            return connection;
        }

        private sealed class ScriptedKey : IPrivateKey
        {
            public ScriptedKey(string path, string keyType)
            {
                Path = path;
                KeyType = keyType;
            }

            public string Path { get; }

            public string KeyType { get; }

            /// <summary>The key's <c>.pub</c> beside it when there is one (so certificates can certify it), else a stand-in.</summary>
            public byte[] PublicKeyBlob => Sentinel.HostKeys.PublicKeyFile.TryRead(Path) ?? System.Text.Encoding.UTF8.GetBytes(Path);

            public Sentinel.HostKeys.SshCertificate? Certificate { get; private set; }

            public string? CertificatePath { get; private set; }

            public IPrivateKey WithCertificate(Sentinel.HostKeys.SshCertificate certificate, string certificatePath)
                => new ScriptedKey(Path, KeyType) { Certificate = certificate, CertificatePath = certificatePath };
        }
    }

    /// <summary>One connect request as received: copied at once, since the caller may clear its password.</summary>
    internal sealed class RecordedRequest
    {
        public RecordedRequest(SshConnectRequest request)
        {
            Request = request;
            ComputerName = request.ComputerName;
            Address = request.Address;
            Port = request.Port;
            DialPort = request.DialPort;
            UserName = request.UserName;
            KeyPaths = request.Keys.Select(k => k.Path).ToList();
            Password = Reveal(request.Password);
        }

        public SshConnectRequest Request { get; }

        public string ComputerName { get; }

        public string Address { get; }

        public int Port { get; }

        public int DialPort { get; }

        public string UserName { get; }

        /// <summary>The key files offered, in order.</summary>
        public IReadOnlyList<string> KeyPaths { get; }

        /// <summary>The password offered, in clear (test only), or null.</summary>
        public string? Password { get; }

        /// <summary>The connection handed out for this request, if it succeeded.</summary>
        public ISshConnection? Connection { get; internal set; }

        public bool Matches(string host) => string.Equals(ComputerName, host, StringComparison.OrdinalIgnoreCase) || string.Equals(Address, host, StringComparison.OrdinalIgnoreCase);

        private static string? Reveal(SecureString? secret) => secret == null ? null : Secrets.ToUnsecureString(secret);
    }
}
