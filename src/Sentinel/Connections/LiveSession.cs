using System;
using System.Threading;
using Sentinel.Results;

namespace Sentinel.Connections
{
    /// <summary>
    /// What changes during a session's life: its connection (replaced on a reconnect, gone once closed),
    /// when it connected, how often it reconnected, and what Sentinel learnt of the host on it (the
    /// service manager, how copies are verified). The public <see cref="Results.SentinelSession"/> shows it; the engine changes it.
    /// </summary>
    internal sealed class LiveSession
    {
        private readonly object _gate = new object();
        private LiveConnection? _connection;
        private ServiceManager? _serviceManager;
        private Files.HostHashing? _hashing;
        private int _oneChannelPerConnection;
        private int _closedAfterOneChannel;
        private int _oneChannelPerConnectionAnnounced;

        public LiveSession(LiveConnection connection)
        {
            _connection = connection;
            ConnectedAt = DateTime.Now;
        }

        public DateTime ConnectedAt { get; private set; }

        public int Reconnects { get; private set; }

        /// <summary>The connection, or null once closed.</summary>
        public LiveConnection? Connection
        {
            get
            {
                lock (_gate)
                {
                    return _connection;
                }
            }
        }

        /// <summary>The init system detected on this host, once asked; a reconnect reaches the same host, so it stays.</summary>
        public ServiceManager? ServiceManager
        {
            get
            {
                lock (_gate)
                {
                    return _serviceManager;
                }
            }

            set
            {
                lock (_gate)
                {
                    _serviceManager = value;
                }
            }
        }

        /// <summary>How copies on this host are verified (SFTP-only or not, which SHA-256 program), once a copy asked; a reconnect reaches the same account, so it stays.</summary>
        public Files.HostHashing? Hashing
        {
            get
            {
                lock (_gate)
                {
                    return _hashing;
                }
            }

            set
            {
                lock (_gate)
                {
                    _hashing = value;
                }
            }
        }

        /// <summary>
        /// The server closes the connection after one channel (tinysshd): every channel then opens on a
        /// fresh connection of its own, and the session stays usable although its first connection closed.
        /// </summary>
        public bool OneChannelPerConnection => Volatile.Read(ref _oneChannelPerConnection) == 1;

        /// <summary>
        /// Notes a connection of this session that the server closed once it had carried exactly one
        /// channel (each connection counts once). A server restarted or a network cut does that once;
        /// the second such connection means the server closes the connection after one channel, and
        /// from then on every channel opens on a fresh connection of its own. True once in that mode.
        /// </summary>
        public bool NoteClosedAfterOneChannel(LiveConnection connection)
        {
            if (connection.ChannelsOpened == 1 && connection.MarkClosedAfterOneChannel() && Interlocked.Increment(ref _closedAfterOneChannel) >= 2)
            {
                Volatile.Write(ref _oneChannelPerConnection, 1);
            }

            return OneChannelPerConnection;
        }

        /// <summary>True the first time only: the switch to one connection per channel is said once.</summary>
        public bool AnnounceOneChannelPerConnection() => Interlocked.Exchange(ref _oneChannelPerConnectionAnnounced, 1) == 0;

        /// <summary>Puts a new connection in place of a broken one; false when the session was closed meanwhile.</summary>
        public bool Replace(LiveConnection connection)
        {
            LiveConnection? broken;
            lock (_gate)
            {
                if (_connection == null)
                {
                    return false;
                }

                broken = _connection;
                _connection = connection;
                ConnectedAt = DateTime.Now;
                Reconnects++;
            }

            broken.Dispose();
            return true;
        }

        public void Close()
        {
            LiveConnection? connection;
            lock (_gate)
            {
                connection = _connection;
                _connection = null;
            }

            connection?.Dispose();
        }
    }
}
