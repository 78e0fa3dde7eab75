using Sentinel.Connections;
using Sentinel.Results;

namespace Sentinel.Hosts
{
    /// <summary>A host a cmdlet was asked to work on: a session the user gave, or the settings to connect with (and the inventory entry they came from).</summary>
    internal sealed class HostTarget
    {
        private HostTarget(ConnectionSettings settings, SentinelSession? session, ServerEntry? entry)
        {
            Settings = settings;
            Session = session;
            Entry = entry;
        }

        public static HostTarget OfSession(SentinelSession session) => new HostTarget(session.Settings, session, null);

        public static HostTarget ToConnect(ConnectionSettings settings, ServerEntry? entry) => new HostTarget(settings, null, entry);

        public ConnectionSettings Settings { get; }

        /// <summary>The session the user gave; null for a host Sentinel connects to itself (and closes after).</summary>
        public SentinelSession? Session { get; }

        /// <summary>The inventory entry the host came from; null for a session or a -ComputerName host.</summary>
        public ServerEntry? Entry { get; }

        public string ComputerName => Settings.ComputerName;

        public int Port => Settings.Port;
    }
}
