using System;

namespace Sentinel.Transport
{
    /// <summary>
    /// The server refused to open a channel (SSH_MSG_CHANNEL_OPEN_FAILURE) while the connection stays
    /// up: it allows no more channels at once (OpenSSH's MaxSessions, tinysshd's one), which is not a
    /// lost connection. The channel never opened, so nothing ran.
    /// </summary>
    internal sealed class ChannelRefusedException : Exception
    {
        public ChannelRefusedException(string message, Exception? inner = null)
            : base(message, inner)
        {
        }
    }
}
