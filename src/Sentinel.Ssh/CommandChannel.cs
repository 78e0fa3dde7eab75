using System;
using System.Reflection;
using Renci.SshNet;

namespace Sentinel.Ssh
{
    /// <summary>
    /// An SshCommand's channel, which SSH.NET keeps to itself, reached by reflection, checked once;
    /// against SSH.NET 2026.0.0, the version pinned in Directory.Packages.props. The channel exists
    /// from the moment ExecuteAsync returns until the command ends.
    /// </summary>
    internal static class CommandChannel
    {
        public const BindingFlags Instance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;

        /// <summary>SSH.NET's Channel class; null when this build has none.</summary>
        public static readonly Type? ChannelType = typeof(SshCommand).Assembly.GetType("Renci.SshNet.Channels.Channel");

        private static readonly FieldInfo? Field = typeof(SshCommand).GetField("_channel", Instance);

        /// <summary>The channel's event for stdout data.</summary>
        public static readonly EventInfo? DataReceived = ChannelType?.GetEvent("DataReceived", Instance);

        /// <summary>The channel's event for extended (stderr) data.</summary>
        public static readonly EventInfo? ExtendedDataReceived = ChannelType?.GetEvent("ExtendedDataReceived", Instance);

        /// <summary>True when <see cref="Observe"/> can work with this SSH.NET build.</summary>
        public static bool CanObserveData => Field != null && DataReceived?.EventHandlerType != null && ExtendedDataReceived?.EventHandlerType != null;

        /// <summary>The command's channel, or null when it has ended (or this build keeps it elsewhere).</summary>
        public static object? Of(SshCommand command)
        {
            var channel = Field?.GetValue(command);
            return channel != null && ChannelType != null && ChannelType.IsInstanceOfType(channel) ? channel : null;
        }

        /// <summary>
        /// Calls <paramref name="handler"/> (an <c>(object, EventArgs)</c> method, on <paramref name="target"/>
        /// or static when null) for every message <paramref name="dataEvent"/> (<see cref="DataReceived"/>,
        /// <see cref="ExtendedDataReceived"/>) raises, on SSH.NET's receive thread, after SSH.NET's own
        /// handlers (the command's output pipes already hold the bytes). Only when <see cref="CanObserveData"/>.
        /// The handler must never throw: that would end the receive loop, and with it the session.
        /// </summary>
        public static void Observe(object channel, EventInfo dataEvent, object? target, MethodInfo handler) =>
            dataEvent.AddEventHandler(channel, Delegate.CreateDelegate(dataEvent.EventHandlerType!, target, handler));
    }
}
