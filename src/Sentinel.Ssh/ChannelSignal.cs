using System.Reflection;
using Renci.SshNet;

namespace Sentinel.Ssh
{
    /// <summary>
    /// Sends a "signal" channel request for a running command without waiting for anything. SSH.NET's
    /// only public way, SshCommand.CancelAsync, also waits for the exit and the channel's close on the
    /// calling thread. The command's channel is reached by reflection (<see cref="SshNetInternals"/>).
    /// </summary>
    internal static class ChannelSignal
    {
        /// <summary>True when the request was sent; false when this SSH.NET build lacks the path or the channel is gone.</summary>
        public static bool TrySend(SshCommand command, string signal)
        {
            var sendSignal = SshNetInternals.ChannelSendSignal;
            if (sendSignal == null)
            {
                return false;
            }

            try
            {
                var channel = CommandChannel.Of(command);
                return channel != null && sendSignal.Invoke(channel, new object[] { signal }) is true;
            }
            catch (TargetInvocationException)
            {
                // The channel closed or the connection dropped meanwhile: the caller's cancellation decides.
                return false;
            }
        }
    }
}
