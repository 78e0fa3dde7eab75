using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Sentinel.Errors;
using Sentinel.Platform;
using Sentinel.Transport;

namespace Sentinel.Ssh
{
    /// <summary>The transport Sentinel's engine uses, built on SSH.NET. Created by the module loader.</summary>
    internal sealed class SshNetTransport : ISshTransport
    {
        public IPrivateKey LoadPrivateKey(string path, SecureString? passphrase, string computerName)
            => SshNetPrivateKey.Load(path, passphrase, computerName);

        public async Task<ISshConnection> ConnectAsync(SshConnectRequest request, CancellationToken cancellationToken)
        {
            var methods = new List<AuthenticationMethod>();
            if (request.Keys.Count > 0)
            {
                methods.Add(new PrivateKeyAuthenticationMethod(request.UserName, request.Keys.Cast<SshNetPrivateKey>().ToArray<IPrivateKeySource>()));
            }

            byte[]? password = request.Password != null ? Secrets.ToUtf8(request.Password) : null;
            if (password != null)
            {
                methods.Add(new PasswordAuthenticationMethod(request.UserName, password));
            }

            var info = new ConnectionInfo(request.Address, request.DialPort, request.UserName, methods.ToArray())
            {
                Timeout = request.Timeout,
            };
            var client = new SshClient(info);
            client.HostKeyReceived += (sender, e) => e.CanTrust = request.VerifyHostKey(new HostKeyOffer(e.HostKeyName, e.HostKey));

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

                    throw Translate(e, request);
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

        private static Exception Translate(Exception e, SshConnectRequest request)
        {
            var host = request.ComputerName;
            switch (e)
            {
                case SocketException s when s.SocketErrorCode == SocketError.ConnectionRefused:
                    return ConnectionErrors.Refused(host, request.Port, e);
                case SocketException s when s.SocketErrorCode == SocketError.TimedOut:
                case SshOperationTimeoutException _:
                    return ConnectionErrors.Timeout(host, request.Port, request.Timeout, e);
                case SshAuthenticationException _:
                    var offered = string.Join(", ", request.Keys.Select(k => $"publickey {k.KeyType} {k.Path}").Concat(request.Password != null ? new[] { "password" } : new string[0]));
                    return ConnectionErrors.AuthenticationFailed(host, request.UserName, offered, e);
                case SocketException s:
                    return ConnectionErrors.Failed(host, request.Port, s.Message, e);
                case SshConnectionException c:
                    return ConnectionErrors.Failed(host, request.Port, $"the server closed the connection ({c.DisconnectReason}: {c.Message})", e);
                case SshException _:
                case ObjectDisposedException _:
                    return ConnectionErrors.Failed(host, request.Port, e.Message, e);
                default:
                    return e;
            }
        }
    }
}
