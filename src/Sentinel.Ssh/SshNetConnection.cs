using System;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Sentinel.Errors;
using Sentinel.Transport;

namespace Sentinel.Ssh
{
    internal sealed class SshNetConnection : ISshConnection
    {
        private readonly SshClient _client;
        private readonly string _computerName;
        private readonly KeepAlive? _keepAlive;
        private readonly TaskCompletionSource<bool> _closed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        public SshNetConnection(SshClient client, string computerName)
        {
            _client = client;
            _computerName = computerName;
            _keepAlive = KeepAlive.For(client);

            // SSH.NET reports a connection the server closed (or a broken socket) here; a ping waiting
            // for its reply ends then, rather than at its timeout.
            client.ErrorOccurred += (sender, e) => _closed.TrySetResult(true);
            var info = client.ConnectionInfo;
            ServerVersion = info.ServerVersion ?? string.Empty;
            var mac = string.IsNullOrEmpty(info.CurrentClientHmacAlgorithm) ? "implicit (AEAD)" : info.CurrentClientHmacAlgorithm;
            Algorithms = $"key exchange {info.CurrentKeyExchangeAlgorithm}, host key {info.CurrentHostKeyAlgorithm}, cipher {info.CurrentClientEncryption}, MAC {mac}";
        }

        public string ServerVersion { get; }

        public string Algorithms { get; }

        public bool IsConnected => _client.IsConnected;

        public IRemoteProcess Start(string commandText)
        {
            SshCommand? command = null;
            try
            {
                command = _client.CreateCommand(commandText);
                return new SshNetRemoteProcess(command, _computerName);
            }
            catch (Exception e) when (e is SshException || e is ObjectDisposedException || e is InvalidOperationException || e is System.Net.Sockets.SocketException)
            {
                command?.Dispose();
                if (IsChannelRefusal(_client, e))
                {
                    throw new ChannelRefusedException(e.Message, e);
                }

                throw ConnectionErrors.Lost(_computerName, e.Message, e);
            }
        }

        /// <summary>
        /// SSH.NET says only "Failed to open a channel after N attempts" when the server answers a
        /// channel open with a failure; with the connection still up, the server allows no more channels.
        /// </summary>
        internal static bool IsChannelRefusal(SshClient client, Exception e) =>
            e.GetType() == typeof(SshException) && e.Message.StartsWith("Failed to open a channel", StringComparison.Ordinal) && client.IsConnected;

        public async Task<bool> PingAsync(TimeSpan timeout)
        {
            if (!_client.IsConnected)
            {
                return false;
            }

            var ping = KeepAlive.PingAsync(_keepAlive, timeout);
            return await Task.WhenAny(ping, _closed.Task).ConfigureAwait(false) == ping && await ping.ConfigureAwait(false);
        }

        public IPortForward ForwardLocal(string host, int port)
        {
            var forward = new ForwardedPortLocal("127.0.0.1", 0, host, (uint)port);
            _client.AddForwardedPort(forward);
            forward.Start();
            return new PortForward(_client, forward);
        }

        public IFileTransfer OpenFileTransfer() => SshNetFileTransfer.Open(_client);

        public void Dispose()
        {
            _keepAlive?.Dispose();
            _client.Dispose();
        }

        private sealed class PortForward : IPortForward
        {
            private readonly SshClient _client;
            private readonly ForwardedPortLocal _forward;

            public PortForward(SshClient client, ForwardedPortLocal forward)
            {
                _client = client;
                _forward = forward;
            }

            public int LocalPort => (int)_forward.BoundPort;

            public void Dispose()
            {
                try
                {
                    _forward.Stop();
                    _client.RemoveForwardedPort(_forward);
                }
                catch (Exception e) when (e is SshException || e is ObjectDisposedException || e is InvalidOperationException)
                {
                    // The connection under the forward is already gone.
                }
            }
        }
    }
}
