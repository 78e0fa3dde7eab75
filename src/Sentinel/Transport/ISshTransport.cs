using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Transport
{
    // The seam between Sentinel and SSH.NET. Everything on this side speaks these types; only the
    // Sentinel.Ssh adapter implements them, so SSH.NET can live in its own load context and never
    // appears in a public signature.

    /// <summary>Opens SSH connections and loads private keys.</summary>
    internal interface ISshTransport
    {
        /// <summary>Loads a private key, failing with a SentinelException (missing, invalid, passphrase).</summary>
        IPrivateKey LoadPrivateKey(string path, SecureString? passphrase, string computerName);

        /// <summary>TCP connect, key exchange (host key decided by the request's verifier) and authentication.</summary>
        Task<ISshConnection> ConnectAsync(SshConnectRequest request, CancellationToken cancellationToken);

        /// <summary>The key exchange algorithms this transport implements, and those it offers by default.</summary>
        AlgorithmSet KeyExchanges { get; }

        /// <summary>The ciphers this transport implements, and those it offers by default.</summary>
        AlgorithmSet Ciphers { get; }
    }

    /// <summary>One kind of algorithm (key exchange, cipher): every name implemented, and the default offer, most preferred first.</summary>
    internal sealed class AlgorithmSet
    {
        public AlgorithmSet(string kind, IReadOnlyList<string> supported, IReadOnlyList<string> offeredByDefault)
        {
            Kind = kind;
            Supported = supported;
            OfferedByDefault = offeredByDefault;
        }

        /// <summary>What to call this kind in messages: "key exchange algorithm", "cipher".</summary>
        public string Kind { get; }

        public IReadOnlyList<string> Supported { get; }

        public IReadOnlyList<string> OfferedByDefault { get; }
    }

    /// <summary>An opaque loaded private key.</summary>
    internal interface IPrivateKey
    {
        string Path { get; }

        string KeyType { get; }

        /// <summary>The plain public key in SSH wire format (never the certificate's blob).</summary>
        byte[] PublicKeyBlob { get; }

        /// <summary>The OpenSSH user certificate offered with the key, or null.</summary>
        HostKeys.SshCertificate? Certificate { get; }

        /// <summary>The file the certificate came from, or null.</summary>
        string? CertificatePath { get; }

        /// <summary>
        /// The key offering also <paramref name="certificate"/> (before the plain key), which the caller
        /// has checked certifies this key; a Sentinel.CertificateInvalid error when the transport cannot use it.
        /// </summary>
        IPrivateKey WithCertificate(HostKeys.SshCertificate certificate, string certificatePath);
    }

    internal enum UserAuthenticationMethod
    {
        Password,
        KeyboardInteractive,
        Key,
        AgentKey,
    }

    /// <summary>How the server accepted the user: the method, and for a key which one.</summary>
    internal sealed class UserAuthentication
    {
        public UserAuthentication(UserAuthenticationMethod method, byte[]? keyBlob = null, string? keySource = null)
        {
            Method = method;
            KeyBlob = keyBlob;
            KeySource = keySource;
            Certificate = HostKeys.SshCertificate.TryParse(keyBlob);
        }

        /// <summary>The user certificate the server accepted, or null for a plain key, a password.</summary>
        public HostKeys.SshCertificate? Certificate { get; }

        public UserAuthenticationMethod Method { get; }

        /// <summary>The accepted public key or certificate, in SSH wire format.</summary>
        public byte[]? KeyBlob { get; }

        /// <summary>The key file's path, or the agent identity's comment.</summary>
        public string? KeySource { get; }
    }

    /// <summary>
    /// What the server answered when it refused to authenticate (its SSH_MSG_USERAUTH_FAILURE): the
    /// methods it would still accept, and those that succeeded only partially (OpenSSH's
    /// AuthenticationMethods can require a key and a password).
    /// </summary>
    internal sealed class AuthenticationRefusal
    {
        public const string PublicKey = "publickey";
        public const string Password = "password";
        public const string KeyboardInteractive = "keyboard-interactive";

        public AuthenticationRefusal(IReadOnlyList<string> offered, IReadOnlyList<string> allowed, IReadOnlyList<string> partialSuccess)
        {
            Offered = offered;
            Allowed = allowed;
            PartialSuccess = partialSuccess;
        }

        /// <summary>The methods Sentinel had to offer: publickey, password, keyboard-interactive.</summary>
        public IReadOnlyList<string> Offered { get; }

        /// <summary>The methods the server would still accept, as it named them.</summary>
        public IReadOnlyList<string> Allowed { get; }

        /// <summary>The methods the server accepted as one step of several.</summary>
        public IReadOnlyList<string> PartialSuccess { get; }
    }

    /// <summary>The public host key the server offered during key exchange.</summary>
    internal sealed class HostKeyOffer
    {
        public HostKeyOffer(string algorithm, byte[] blob)
        {
            Algorithm = algorithm;
            Blob = blob;
            KeyType = HostKeys.SshKeyBlob.KeyType(blob);
        }

        /// <summary>
        /// The negotiated host-key algorithm: for an RSA key the signature algorithm (<c>rsa-sha2-512</c>),
        /// not the key type. Never compare it with known_hosts; use <see cref="KeyType"/>.
        /// </summary>
        public string Algorithm { get; }

        /// <summary>The key in SSH wire format: what known_hosts stores in base64.</summary>
        public byte[] Blob { get; }

        /// <summary>Key type as the blob names it and known_hosts writes it (<c>ssh-rsa</c>); null when the blob is not a key.</summary>
        public string? KeyType { get; }
    }

    internal sealed class SshConnectRequest
    {
        // Shared by the copies To() makes, so the caller reads what the copy that connected recorded.
        private StrongBox<UserAuthentication?> _outcome = new StrongBox<UserAuthentication?>();

        public SshConnectRequest(string computerName, string address, int port, string userName, TimeSpan timeout, Func<HostKeyOffer, bool> verifyHostKey)
        {
            ComputerName = computerName;
            Address = address;
            Port = port;
            DialPort = port;
            UserName = userName;
            Timeout = timeout;
            SessionTimeout = timeout;
            VerifyHostKey = verifyHostKey;
        }

        /// <summary>The name the user gave: used in errors, never dialled.</summary>
        public string ComputerName { get; }

        /// <summary>The resolved address to dial.</summary>
        public string Address { get; }

        /// <summary>The host's SSH port, for messages.</summary>
        public int Port { get; }

        /// <summary>The port to dial: the host's, or a local forward's when going through a jump host.</summary>
        public int DialPort { get; set; }

        public string UserName { get; }

        /// <summary>The most the handshake may take; the engine's own clock usually ends it sooner, by cancelling.</summary>
        public TimeSpan Timeout { get; }

        /// <summary>How long the connection, once open, waits for the server to answer a channel open or a request.</summary>
        public TimeSpan SessionTimeout { get; set; }

        /// <summary>Called with the server's SSH version line as it arrives: the host has answered.</summary>
        public Action<string>? ServerAnswered { get; set; }

        /// <summary>Called on the SSH library's thread at every key exchange; must decide without I/O.</summary>
        public Func<HostKeyOffer, bool> VerifyHostKey { get; }

        /// <summary>
        /// Called with a host certificate as it arrives, before the transport checks its signatures (and
        /// before <see cref="VerifyHostKey"/>), so that a certificate refused there can be explained.
        /// </summary>
        public Action<HostKeyOffer>? HostKeyPresented { get; set; }

        /// <summary>ssh-agent identities, tried in order before <see cref="Keys"/>.</summary>
        public IList<Agent.AgentKey> AgentKeys { get; } = new List<Agent.AgentKey>();

        /// <summary>Keys tried in order before the password.</summary>
        public IList<IPrivateKey> Keys { get; } = new List<IPrivateKey>();

        /// <summary>Set by the transport once authenticated: which method and which key the server accepted.</summary>
        public UserAuthentication? Authenticated { get => _outcome.Value; set => _outcome.Value = value; }

        public SecureString? Password { get; set; }

        /// <summary>Key exchange algorithms to offer, most preferred first; null offers the transport's defaults.</summary>
        public IReadOnlyList<string>? KeyExchanges { get; set; }

        /// <summary>Ciphers to offer, most preferred first; null offers the transport's defaults.</summary>
        public IReadOnlyList<string>? Ciphers { get; set; }

        /// <summary>
        /// Key types known_hosts already holds for this host (<c>ssh-rsa</c>, <c>ecdsa-sha2-nistp256</c>):
        /// the transport offers their host-key algorithms first, as OpenSSH does, so that the server
        /// shows a key Sentinel can verify.
        /// </summary>
        public IReadOnlyList<string> KnownHostKeyTypes { get; set; } = Array.Empty<string>();

        /// <summary>True when a <c>@cert-authority</c> line matches the host: host certificates are then asked for first.</summary>
        public bool ExpectHostCertificate { get; set; }

        /// <summary>Connection-story lines for the verbose stream; may be called from any thread.</summary>
        public Action<string>? Log { get; set; }

        /// <summary>This request, everything kept, aimed at one resolved address and port, with the most the handshake may take.</summary>
        public SshConnectRequest To(string address, int dialPort, TimeSpan timeout)
        {
            var request = new SshConnectRequest(ComputerName, address, Port, UserName, timeout, VerifyHostKey)
            {
                DialPort = dialPort,
                Password = Password,
                KeyExchanges = KeyExchanges,
                Ciphers = Ciphers,
                KnownHostKeyTypes = KnownHostKeyTypes,
                ExpectHostCertificate = ExpectHostCertificate,
                HostKeyPresented = HostKeyPresented,
                ServerAnswered = ServerAnswered,
                SessionTimeout = SessionTimeout,
                Log = Log,
                _outcome = _outcome,
            };
            foreach (var key in AgentKeys)
            {
                request.AgentKeys.Add(key);
            }

            foreach (var key in Keys)
            {
                request.Keys.Add(key);
            }

            return request;
        }
    }

    /// <summary>An authenticated SSH connection.</summary>
    internal interface ISshConnection : IDisposable
    {
        string ServerVersion { get; }

        /// <summary>Negotiated algorithms, for the verbose story: kex, host key, ciphers, MACs.</summary>
        string Algorithms { get; }

        bool IsConnected { get; }

        /// <summary>Opens an exec channel running <paramref name="commandText"/>.</summary>
        IRemoteProcess Start(string commandText);

        /// <summary>
        /// Asks the server for a reply (OpenSSH's keepalive@openssh.com global request): true when it
        /// answered within <paramref name="timeout"/>. Unlike IsConnected, this notices a frozen server.
        /// </summary>
        Task<bool> PingAsync(TimeSpan timeout);

        /// <summary>
        /// Listens on 127.0.0.1 (a free port) and carries each connection through this server to
        /// <paramref name="host"/>:<paramref name="port"/>, resolved by the server: the way to a host
        /// behind a bastion. Disposing it stops the listener.
        /// </summary>
        IPortForward ForwardLocal(string host, int port);

        /// <summary>
        /// Opens an SFTP channel on this connection (no new login). Disposing it closes the channel,
        /// never the connection.
        /// </summary>
        IFileTransfer OpenFileTransfer();
    }

    /// <summary>A local port forwarded through an SSH connection.</summary>
    internal interface IPortForward : IDisposable
    {
        int LocalPort { get; }
    }

    /// <summary>A command running on the server.</summary>
    internal interface IRemoteProcess : IDisposable
    {
        Stream StandardOutput { get; }

        Stream StandardError { get; }

        /// <summary>The command's stdin. Closing it sends end-of-file once something was written.</summary>
        Stream OpenStandardInput();

        /// <summary>Completes with the exit code (null when a signal ended the command) when the channel closes.</summary>
        Task<RemoteExit> Completion { get; }

        /// <summary>Asks the server to end the command's process group (SIGTERM) and closes the channel.</summary>
        void Terminate();
    }

    internal sealed class RemoteExit
    {
        public RemoteExit(int? exitCode, string? exitSignal)
        {
            ExitCode = exitCode;
            ExitSignal = exitSignal;
        }

        public int? ExitCode { get; }

        public string? ExitSignal { get; }
    }
}
