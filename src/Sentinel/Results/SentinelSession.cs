using System;
using Sentinel.Connections;
using Sentinel.Transport;

namespace Sentinel.Results
{
    public enum SentinelSessionState
    {
        /// <summary>Connected and usable.</summary>
        Open,

        /// <summary>The connection dropped; the session cannot run commands.</summary>
        Broken,

        /// <summary>Disconnected by the user or by module removal.</summary>
        Closed,
    }

    /// <summary>An open SSH connection to one host, kept in the runspace's session list.</summary>
    public sealed class SentinelSession
    {
        private readonly object _gate = new object();
        private ISshConnection? _connection;

        internal SentinelSession(int id, ConnectionSettings settings, ISshConnection connection, string hostKeyFingerprint, string hostKeyAlgorithm)
        {
            Id = id;
            Settings = settings;
            _connection = connection;
            HostKeyFingerprint = hostKeyFingerprint;
            HostKeyAlgorithm = hostKeyAlgorithm;
            ServerVersion = connection.ServerVersion;
            ConnectedAt = DateTime.Now;
        }

        public int Id { get; }

        public string ComputerName => Settings.ComputerName;

        public int Port => Settings.Port;

        public string UserName => Settings.UserName;

        public SentinelSessionState State
        {
            get
            {
                lock (_gate)
                {
                    if (_connection == null)
                    {
                        return SentinelSessionState.Closed;
                    }

                    return _connection.IsConnected ? SentinelSessionState.Open : SentinelSessionState.Broken;
                }
            }
        }

        /// <summary>The server's host key as OpenSSH prints it: <c>SHA256:...</c>.</summary>
        public string HostKeyFingerprint { get; }

        public string HostKeyAlgorithm { get; }

        public string ServerVersion { get; }

        public DateTime ConnectedAt { get; }

        internal ConnectionSettings Settings { get; }

        /// <summary>The live connection, or null once closed.</summary>
        internal ISshConnection? Connection
        {
            get
            {
                lock (_gate)
                {
                    return _connection;
                }
            }
        }

        internal void Close()
        {
            ISshConnection? connection;
            lock (_gate)
            {
                connection = _connection;
                _connection = null;
            }

            connection?.Dispose();
        }

        public override string ToString() => $"{Id}: {UserName}@{ComputerName}:{Port} ({State})";
    }
}
