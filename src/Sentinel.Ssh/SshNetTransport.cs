using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Platform;
using Sentinel.Transport;

namespace Sentinel.Ssh
{
    /// <summary>The transport Sentinel's engine uses, built on SSH.NET. Created by the module loader.</summary>
    internal sealed class SshNetTransport : ISshTransport
    {
        private static readonly string[] PasswordMethods = { "password", "keyboard-interactive" };

        // SSH.NET still offers algorithms OpenSSH's client dropped from its defaults (SHA-1 key
        // exchanges, CBC ciphers): Sentinel offers them only when named explicitly.
        private static readonly string[] Legacy =
        {
            "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1",
            "aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc",
        };

        // Where the runtime has AES-GCM in hardware (.NET 8), GCM leads: authenticated encryption, and
        // measured at least as fast as AES-CTR with its separate MAC. Elsewhere (.NET Framework) SSH.NET's
        // GCM is managed code, so CTR leads as in SSH.NET's own order.
        private static readonly string[] PreferredCiphers =
#if NET8_0_OR_GREATER
            System.Security.Cryptography.AesGcm.IsSupported ? new[] { "aes128-gcm@openssh.com", "aes256-gcm@openssh.com" } : Array.Empty<string>();
#else
            Array.Empty<string>();
#endif

        // Host-key algorithms offered: SSH.NET's table (in OpenSSH's order) without the SHA-1 `ssh-rsa`
        // signature and DSA, which OpenSSH 8.8+ no longer offers either. Certificate types are kept
        // apart: they are asked for (first) only when a @cert-authority line matches the host.
        private readonly string[] _hostKeyAlgorithms;
        private readonly string[] _hostCertificateAlgorithms;

        public SshNetTransport()
        {
            var probe = new ConnectionInfo("localhost", "probe", new NoneAuthenticationMethod("probe"));
            KeyExchanges = Describe("key exchange algorithm", probe.KeyExchangeAlgorithms.Keys, Array.Empty<string>());
            Ciphers = Describe("cipher", probe.Encryptions.Keys, PreferredCiphers);
            var modern = probe.HostKeyAlgorithms.Keys.Where(name => SshKeyBlob.PlainKeyType(name) != "ssh-dss" && name != "ssh-rsa" && name != "ssh-rsa-cert-v01@openssh.com").ToArray();
            _hostKeyAlgorithms = modern.Where(name => !SshKeyBlob.IsCertificate(name)).ToArray();
            _hostCertificateAlgorithms = modern.Where(SshKeyBlob.IsCertificate).ToArray();
        }

        public AlgorithmSet KeyExchanges { get; }

        public AlgorithmSet Ciphers { get; }

        public IPrivateKey LoadPrivateKey(string path, SecureString? passphrase, string computerName)
            => SshNetPrivateKey.Load(path, passphrase, computerName);

        public async Task<ISshConnection> ConnectAsync(SshConnectRequest request, CancellationToken cancellationToken)
        {
            byte[]? password = request.Password != null ? Secrets.ToUtf8(request.Password) : null;
            var authentication = new SshNetAuthentication(request);
            var methods = authentication.Methods(password);
            var info = new ConnectionInfo(request.Address, request.DialPort, request.UserName, methods)
            {
                Timeout = request.Timeout,

                // A refused channel open means the server allows no more channels now; the engine
                // queues for one (ChannelBudget) instead of SSH.NET asking again ten times at once.
                RetryAttempts = 1,
            };
            Offer(info.KeyExchangeAlgorithms, request.KeyExchanges ?? KeyExchanges.OfferedByDefault);
            SshNetInternals.WarnOnce(request.Log);
            Sntrup761X25519KeyExchange.Install(info.KeyExchangeAlgorithms);
            Offer(info.Encryptions, request.Ciphers ?? Ciphers.OfferedByDefault);
            var hostKeyAlgorithms = (request.ExpectHostCertificate ? _hostCertificateAlgorithms : Array.Empty<string>())
                .Concat(SshKeyBlob.KnownTypesFirst(_hostKeyAlgorithms, request.KnownHostKeyTypes))
                .ToList();
            Offer(info.HostKeyAlgorithms, hostKeyAlgorithms);
            byte[]? presentedCertificate = null;
            SeeCertificates(info.HostKeyAlgorithms, (name, blob) =>
            {
                presentedCertificate = blob;
                request.HostKeyPresented?.Invoke(new HostKeyOffer(name, blob));
            });
            var why = request.KnownHostKeyTypes.Count == 0 ? "no key known for this host" : $"types known for this host first: {string.Join(", ", request.KnownHostKeyTypes)}";
            request.Log?.Invoke($"Host-key algorithms offered: {string.Join(", ", hostKeyAlgorithms)} ({(request.ExpectHostCertificate ? "certificates first: a @cert-authority line matches this host; " : string.Empty)}{why}).");
            var client = new SshClient(info);
            // SSH.NET hands over the certified key as HostKey, and keeps the certificate's bytes to itself.
            client.ServerIdentificationReceived += (sender, e) => request.ServerAnswered?.Invoke(e.SshIdentification.ToString());
            client.HostKeyReceived += (sender, e) => e.CanTrust = request.VerifyHostKey(new HostKeyOffer(e.HostKeyName, e.Certificate != null && presentedCertificate != null ? presentedCertificate : e.HostKey));

            // SSH.NET ignores the token during key exchange and authentication: the deadline and a
            // stop dispose the client instead, which aborts the socket.
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                deadline.CancelAfter(request.Timeout);
                try
                {
                    using (deadline.Token.Register(client.Dispose))
                    {
                        await client.ConnectAsync(deadline.Token).ConfigureAwait(false);
                    }

                    // The handshake may take long on a saturated machine (the engine decides); a channel open later may not.
                    info.Timeout = request.SessionTimeout;

                    return new SshNetConnection(client, request.ComputerName);
                }
                catch (Exception e)
                {
                    client.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                    if (deadline.IsCancellationRequested)
                    {
                        throw ConnectionErrors.Timeout(request.ComputerName, request.Port, request.Timeout, e);
                    }

                    throw Translate(e, request, authentication);
                }
                finally
                {
                    if (password != null)
                    {
                        Array.Clear(password, 0, password.Length);
                    }
                }
            }
        }

        /// <summary>
        /// Wraps the certificate host-key algorithms so that the certificate the server presents is seen
        /// as it arrives: SSH.NET checks its CA signature and validity before raising HostKeyReceived, and
        /// a certificate it refuses there (expired) would otherwise fail with no reason given.
        /// </summary>
        private static void SeeCertificates(IDictionary<string, Func<byte[], KeyHostAlgorithm>> algorithms, Action<string, byte[]> presented)
        {
            foreach (var name in algorithms.Keys.Where(SshKeyBlob.IsCertificate).ToList())
            {
                var create = algorithms[name];
                algorithms[name] = blob =>
                {
                    presented(name, blob);
                    return create(blob);
                };
            }
        }

        private static AlgorithmSet Describe(string kind, IEnumerable<string> implemented, string[] preferred)
        {
            var supported = implemented.ToArray();
            var offered = preferred.Concat(supported.Except(preferred).Except(Legacy)).ToArray();
            return new AlgorithmSet(kind, supported, offered);
        }

        /// <summary>Keeps only the named algorithms, in the order named: SSH.NET offers a dictionary's keys in order.</summary>
        private static void Offer<T>(IDictionary<string, T> algorithms, IReadOnlyList<string> names)
        {
            var kept = names.Where(algorithms.ContainsKey).Select(name => new KeyValuePair<string, T>(name, algorithms[name])).ToList();
            algorithms.Clear();
            foreach (var algorithm in kept)
            {
                algorithms.Add(algorithm);
            }
        }

        /// <summary>
        /// Says who ended the connection: SSH.NET raises the same exception when the server closes it
        /// (a disconnect message, a closed socket) as when the client gives up on what the server sent
        /// (a banner line over 8 KiB, a bad packet, a failed key exchange).
        /// </summary>
        private static string WhoEnded(SshConnectionException c)
        {
            var byServer = c.DisconnectReason == Renci.SshNet.Messages.Transport.DisconnectReason.ConnectionLost
                || c.Message.StartsWith("The connection was closed by the server", StringComparison.Ordinal)
                || c.Message.StartsWith("The connection was closed by the remote host", StringComparison.Ordinal);
            return byServer
                ? $"the server closed the connection ({c.DisconnectReason}: {c.Message})"
                : $"Sentinel ended the connection because of what the server sent ({c.DisconnectReason}: {c.Message})";
        }

        private static Exception Translate(Exception e, SshConnectRequest request, SshNetAuthentication authentication)
        {
            var host = request.ComputerName;
            switch (e)
            {
                case SocketException s when s.SocketErrorCode == SocketError.ConnectionRefused:
                    return ConnectionErrors.Refused(host, request.Port, e);
                case SocketException s when s.SocketErrorCode == SocketError.TimedOut:
                case SshOperationTimeoutException _:
                    return ConnectionErrors.Timeout(host, request.Port, request.Timeout, e);
                case SshAuthenticationException refused:
                    var offered = string.Join(", ", request.AgentKeys.Select(k => $"agent {k.Identity.Description}")
                        .Concat(request.Keys.Select(Connections.UserCertificates.Offered))
                        .Concat(request.Password != null ? PasswordMethods : Array.Empty<string>()));
                    return ConnectionErrors.AuthenticationFailed(host, request.UserName, offered, authentication.Refusal(refused), e);
                case SocketException s:
                    return ConnectionErrors.Failed(host, request.Port, s.Message, e);
                case SshConnectionException c:
                    return ConnectionErrors.Failed(host, request.Port, WhoEnded(c), e);
                case SshException _:
                case ObjectDisposedException _:
                    return ConnectionErrors.Failed(host, request.Port, e.Message, e);
                default:
                    return e;
            }
        }
    }
}
