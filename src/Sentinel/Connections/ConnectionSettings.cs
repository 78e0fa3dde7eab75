using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using Sentinel.HostKeys;

namespace Sentinel.Connections
{
    /// <summary>
    /// Everything needed to open (and later reopen) one connection, after defaults are applied.
    /// Secrets stay in SecureStrings here and are unwrapped only by the transport.
    /// </summary>
    internal sealed class ConnectionSettings
    {
        public const int DefaultPort = 2222;
        public const string DefaultUserName = "sentinel";
        public const string DefaultComputerName = "localhost";
        public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

        public ConnectionSettings(string computerName, string hostName, int port, string userName)
        {
            ComputerName = computerName;
            HostName = hostName;
            Port = port;
            UserName = userName;
        }

        /// <summary>The name the user gave (an alias, an inventory name's host): shown in results and errors.</summary>
        public string ComputerName { get; }

        /// <summary>The name dialled and looked up in known_hosts: ssh_config's HostName, else ComputerName.</summary>
        public string HostName { get; }

        public int Port { get; }

        public string UserName { get; }

        public SecureString? Password { get; set; }

        /// <summary>Key files given explicitly; tried before the password.</summary>
        public string[] KeyFiles { get; set; } = Array.Empty<string>();

        public SecureString? KeyPassphrase { get; set; }

        /// <summary>
        /// OpenSSH user certificates named explicitly (-CertificateFile, ssh_config CertificateFile), each
        /// offered with the key file it certifies; <c>&lt;key&gt;-cert.pub</c> beside a key is used without being named.
        /// </summary>
        public string[] CertificateFiles { get; set; } = Array.Empty<string>();

        /// <summary>False to offer key files without any certificate (not even one beside the key).</summary>
        public bool UseCertificates { get; set; } = true;

        /// <summary>True when no key was named, so the user's default identities (~/.ssh/id_*) are tried.</summary>
        public bool UseDefaultKeys { get; set; }

        /// <summary>
        /// The ssh-agent's socket (or Windows pipe) whose identities are offered before the key files;
        /// null when no agent is used (none configured, or -KeyFile or -Credential named the identity).
        /// </summary>
        public string? AgentPath { get; set; }

        /// <summary>ssh_config IdentitiesOnly: only the agent identities whose public key is one of the key files' (their .pub).</summary>
        public bool IdentitiesOnly { get; set; }

        /// <summary>True for a bastion of a jump-host chain: its failures name it as the jump host.</summary>
        public bool IsJumpHost { get; set; }

        public TimeSpan ConnectTimeout { get; set; } = DefaultConnectTimeout;

        public HostKeyPolicy HostKeyPolicy { get; set; } = HostKeyPolicy.AcceptNew;

        public KeepAliveSettings KeepAlive { get; set; } = KeepAliveSettings.Default;

        /// <summary>Key exchange algorithms to offer, most preferred first; null offers the defaults.</summary>
        public IReadOnlyList<string>? KeyExchanges { get; set; }

        /// <summary>Ciphers to offer, most preferred first; null offers the defaults.</summary>
        public IReadOnlyList<string>? Ciphers { get; set; }

        /// <summary>The bastions to go through, first hop first; empty for a direct connection.</summary>
        public IReadOnlyList<ConnectionSettings> JumpHosts { get; set; } = Array.Empty<ConnectionSettings>();

        public string KnownHostsFile { get; set; } = DefaultKnownHostsFile;

        /// <summary>
        /// These settings (host, port, user, jump hosts, host-key policy and known_hosts, algorithms)
        /// offering only <paramref name="keyFile"/>: no password, no other key, no certificate. Install-SentinelKey proves
        /// with it that an installed key logs in on its own.
        /// </summary>
        public ConnectionSettings WithOnlyKey(string keyFile, SecureString? passphrase) => new ConnectionSettings(ComputerName, HostName, Port, UserName)
        {
            KeyFiles = new[] { keyFile },
            KeyPassphrase = passphrase,
            UseCertificates = false,
            UseDefaultKeys = false,
            IsJumpHost = IsJumpHost,
            ConnectTimeout = ConnectTimeout,
            HostKeyPolicy = HostKeyPolicy,
            KeepAlive = KeepAlive,
            KeyExchanges = KeyExchanges,
            Ciphers = Ciphers,
            JumpHosts = JumpHosts,
            KnownHostsFile = KnownHostsFile,
        };

        public static string DefaultKnownHostsFile => Path.Combine(HomeDirectory, ".ssh", "known_hosts");

        private static readonly string[] DefaultKeyNames = { "id_ed25519", "id_ecdsa", "id_rsa" };

        /// <summary>The identities ssh tries when none is named, most modern first.</summary>
        public static string[] DefaultKeyFiles => DefaultKeyNames
            .Select(name => Path.Combine(HomeDirectory, ".ssh", name))
            .ToArray();

        private static string HomeDirectory => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

        /// <summary>Expands a leading <c>~</c> the way a shell would.</summary>
        public static string ExpandPath(string path)
        {
            if (path == "~")
            {
                return HomeDirectory;
            }

            if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
            {
                return Path.Combine(HomeDirectory, path.Substring(2));
            }

            return path;
        }

        /// <summary>Reads an environment default, treating empty as unset.</summary>
        public static string? FromEnvironment(string name)
        {
            var value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrEmpty(value) ? null : value;
        }
    }
}
