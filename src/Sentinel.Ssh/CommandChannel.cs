using System;
using System.Reflection;
using Renci.SshNet;

namespace Sentinel.Ssh
{
    /// <summary>
    /// An SshCommand's channel, which SSH.NET keeps to itself, reached by reflection
    /// (<see cref="SshNetInternals"/>). The channel exists from the moment ExecuteAsync returns until
    /// the command ends.
    /// </summary>
    internal static class CommandChannel
    {
        /// <summary>The command's channel, or null when it has ended (or this build keeps it elsewhere).</summary>
        public static object? Of(SshCommand command)
        {
            var channel = SshNetInternals.CommandChannelField?.GetValue(command);
            return channel != null && SshNetInternals.ChannelType != null && SshNetInternals.ChannelType.IsInstanceOfType(channel) ? channel : null;
        }

        /// <summary>
        /// Calls <paramref name="handler"/> (an <c>(object, EventArgs)</c> method, on <paramref name="target"/>
        /// or static when null) for every message <paramref name="dataEvent"/>
        /// (<see cref="SshNetInternals.ChannelDataReceived"/>, <see cref="SshNetInternals.ChannelExtendedDataReceived"/>)
        /// raises, on SSH.NET's receive thread, after SSH.NET's own handlers (the command's output pipes
        /// already hold the bytes). Only when <see cref="SshNetInternals.CanObserveData"/>.
        /// The handler must never throw: that would end the receive loop, and with it the session.
        /// </summary>
        public static void Observe(object channel, EventInfo dataEvent, object? target, MethodInfo handler) =>
            dataEvent.AddEventHandler(channel, Delegate.CreateDelegate(dataEvent.EventHandlerType!, target, handler));
    }
}
