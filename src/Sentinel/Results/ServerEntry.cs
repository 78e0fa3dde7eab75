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

        /// <summary>The name the server is known by in the inventory (-Name).</summary>
        public string Name { get; }

        /// <summary>The host name or address to connect to.</summary>
        public string ComputerName { get; }

        /// <summary>The SSH port; null when the entry names none.</summary>
        public int? Port { get; internal set; }

        /// <summary>The user to log in as; null when the entry names none.</summary>
        public string? UserName { get; internal set; }

        /// <summary>The private key file to log in with; null when the entry names none.</summary>
        public string? KeyFile { get; internal set; }

        /// <summary>Bastions to go through, as <c>user@host:port</c>, comma-separated for a chain.</summary>
        public string? JumpHost { get; internal set; }

        /// <summary>The tags to pick the server by (-Tag).</summary>
        public IReadOnlyList<string> Tags { get; internal set; } = Array.Empty<string>();

        /// <summary>The host key policy for this server; null when the entry names none.</summary>
        public HostKeyPolicy? HostKeyPolicy { get; internal set; }

        /// <summary>The services to watch and repair on this server (Repair- and Watch-SentinelService use them when no -Name is given).</summary>
        public IReadOnlyList<string> Services { get; internal set; } = Array.Empty<string>();

        /// <summary>The server's name.</summary>
        public override string ToString() => Name;
    }
}
