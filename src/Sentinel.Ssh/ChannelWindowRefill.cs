using System;
using System.Reflection;
using Renci.SshNet;
using Renci.SshNet.Messages;
using Renci.SshNet.Messages.Connection;

namespace Sentinel.Ssh
{
    /// <summary>
    /// Refills an exec channel's receive window every 16 MiB read. SSH.NET gives every channel a fixed
    /// 2 GiB window and sends a window adjust only when nearly all of it is used; Dropbear never lets a
    /// window grow past 500,000,000 bytes (its TRANS_MAX_WINDOW), so after 500 MB it waits for an adjust
    /// SSH.NET never sends, and the command hangs (SSH.NET issue 1671). SSH.NET has no setting for this:
    /// the channel is reached by reflection, and the refill runs on SSH.NET's own receive thread, right
    /// beside its window bookkeeping. Should a later SSH.NET rename these internals, nothing is refilled
    /// (the Dropbear interop test's 600 MiB read then fails).
    /// </summary>
    internal static class ChannelWindowRefill
    {
        private const uint RefillBytes = 16 * 1024 * 1024;
        private const BindingFlags Instance = CommandChannel.Instance;

        private static readonly Type? ChannelType = CommandChannel.ChannelType;
        private static readonly FieldInfo? InitialWindow = ChannelType?.GetField("_initialWindowSize", Instance);
        private static readonly PropertyInfo? LocalWindow = ChannelType?.GetProperty("LocalWindowSize", Instance);
        private static readonly PropertyInfo? RemoteChannelNumber = ChannelType?.GetProperty("RemoteChannelNumber", Instance);
        private static readonly MethodInfo? SendMessage = ChannelType?.GetMethod("SendMessage", Instance, null, new[] { typeof(Message) }, null);

        private static readonly MethodInfo Handler = typeof(ChannelWindowRefill).GetMethod(nameof(OnData), BindingFlags.NonPublic | BindingFlags.Static)!;

        /// <summary>Call right after ExecuteAsync started the command, with its channel (<see cref="CommandChannel.Of"/>).</summary>
        public static void Attach(object channel)
        {
            if (!CommandChannel.CanObserveData || InitialWindow == null || LocalWindow?.GetSetMethod(true) == null || RemoteChannelNumber == null || SendMessage == null)
            {
                return;
            }

            CommandChannel.Observe(channel, CommandChannel.DataReceived!, null, Handler);
            CommandChannel.Observe(channel, CommandChannel.ExtendedDataReceived!, null, Handler);
        }

        // Runs on SSH.NET's receive thread for every data message, as its own window bookkeeping does.
        private static void OnData(object sender, EventArgs e)
        {
            try
            {
                var initial = (uint)InitialWindow!.GetValue(sender)!;
                var consumed = initial - (uint)LocalWindow!.GetValue(sender)!;
                if (consumed < RefillBytes)
                {
                    return;
                }

                SendMessage!.Invoke(sender, new object[] { new ChannelWindowAdjustMessage((uint)RemoteChannelNumber!.GetValue(sender)!, consumed) });
                LocalWindow.SetValue(sender, initial);
            }
            catch (Exception ex) when (ex is TargetInvocationException || ex is InvalidOperationException)
            {
                // The channel closed meanwhile: there is no window left to refill. An exception here
                // would end SSH.NET's receive loop, and with it the session.
            }
        }
    }
}
