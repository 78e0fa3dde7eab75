using System;
using System.Reflection;
using Renci.SshNet.Messages.Connection;

namespace Sentinel.Ssh
{
    /// <summary>
    /// Refills an exec channel's receive window every 16 MiB read. SSH.NET gives every channel a fixed
    /// 2 GiB window and sends a window adjust only when nearly all of it is used; Dropbear never lets a
    /// window grow past 500,000,000 bytes (its TRANS_MAX_WINDOW), so after 500 MB it waits for an adjust
    /// SSH.NET never sends, and the command hangs (SSH.NET issue 1671). SSH.NET has no setting for this:
    /// the channel is reached by reflection (<see cref="SshNetInternals"/>), and the refill runs on
    /// SSH.NET's own receive thread, right beside its window bookkeeping. Should a later SSH.NET rename
    /// these internals, nothing is refilled (SshNetInternalsTests fails; at run time the connect's
    /// verbose stream says so once).
    /// </summary>
    internal static class ChannelWindowRefill
    {
        private const uint RefillBytes = 16 * 1024 * 1024;

        private static readonly MethodInfo Handler = typeof(ChannelWindowRefill).GetMethod(nameof(OnData), BindingFlags.NonPublic | BindingFlags.Static)!;

        /// <summary>Call right after ExecuteAsync started the command, with its channel (<see cref="CommandChannel.Of"/>).</summary>
        public static void Attach(object channel)
        {
            if (!SshNetInternals.CanRefillWindow)
            {
                return;
            }

            CommandChannel.Observe(channel, SshNetInternals.ChannelDataReceived!, null, Handler);
            CommandChannel.Observe(channel, SshNetInternals.ChannelExtendedDataReceived!, null, Handler);
        }

        // Runs on SSH.NET's receive thread for every data message, as its own window bookkeeping does.
        private static void OnData(object sender, EventArgs e)
        {
            try
            {
                var initial = (uint)SshNetInternals.ChannelInitialWindow!.GetValue(sender)!;
                var consumed = initial - (uint)SshNetInternals.ChannelLocalWindow!.GetValue(sender)!;
                if (consumed < RefillBytes)
                {
                    return;
                }

                SshNetInternals.ChannelSendMessage!.Invoke(sender, new object[] { new ChannelWindowAdjustMessage((uint)SshNetInternals.ChannelRemoteNumber!.GetValue(sender)!, consumed) });
                SshNetInternals.ChannelLocalWindow.SetValue(sender, initial);
            }
            catch (Exception ex) when (ex is TargetInvocationException || ex is InvalidOperationException)
            {
                // The channel closed meanwhile: there is no window left to refill. An exception here
                // would end SSH.NET's receive loop, and with it the session.
            }
        }
    }
}
