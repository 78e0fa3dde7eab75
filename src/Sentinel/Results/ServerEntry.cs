using System;
using System.Collections.Generic;
using Sentinel.HostKeys;

namespace Sentinel.Results
{
    /// <summary>A named server in the inventory: how to reach it, and the tags to pick it by.</summary>
    public sealed class ServerEntry
    {
        internal ServerEntry(string name, string computerName)
        {
            Name = name;
            ComputerName = computerName;
        }

        public string Name { get; }

        public string ComputerName { get; }

        public int? Port { get; internal set; }

        public string? UserName { get; internal set; }

        public string? KeyFile { get; internal set; }

        /// <summary>Bastions to go through, as <c>user@host:port</c>, comma-separated for a chain.</summary>
        public string? JumpHost { get; internal set; }

        public IReadOnlyList<string> Tags { get; internal set; } = Array.Empty<string>();

        public HostKeyPolicy? HostKeyPolicy { get; internal set; }

        /// <summary>The services to watch and repair on this server (Repair- and Watch-SentinelService use them when no -Name is given).</summary>
        public IReadOnlyList<string> Services { get; internal set; } = Array.Empty<string>();

        public override string ToString() => Name;
    }
}
