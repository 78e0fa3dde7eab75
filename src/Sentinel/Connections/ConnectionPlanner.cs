using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Security;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Inventory;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Connections
{
    /// <summary>What the user asked for on the command line; null (or empty) where a parameter was not given.</summary>
    internal sealed class ConnectionParameters
    {
        public int? Port { get; set; }

        public string? UserName { get; set; }

        /// <summary>-Credential: the target's user and password, never offered to a jump host.</summary>
        public string? CredentialUserName { get; set; }

        public SecureString? Password { get; set; }

        /// <summary>-KeyFile, resolved to file-system paths: keys for the target (as ssh's -i, which a ProxyJump hop does not get).</summary>
        public string[]? KeyFiles { get; set; }

        /// <summary>-CertificateFile, resolved to file-system paths: user certificates for the target's keys.</summary>
        public string[]? CertificateFiles { get; set; }

        /// <summary>Unlocks key files on this machine; it is never sent anywhere, so hops' keys may use it too.</summary>
        public SecureString? KeyPassphrase { get; set; }

        public TimeSpan? ConnectTimeout { get; set; }

        public HostKeyPolicy? HostKeyPolicy { get; set; }

        /// <summary>-KnownHostsFile, resolved to a file-system path.</summary>
        public string? KnownHostsFile { get; set; }

        public string? JumpHost { get; set; }

        /// <summary>-JumpHostCredential: the one credential meant for the jump hosts.</summary>
        public string? JumpHostUserName { get; set; }

        public SecureString? JumpHostPassword { get; set; }

        public string[]? KeyExchanges { get; set; }

        public string[]? Ciphers { get; set; }
    }

    /// <summary>
    /// Turns what the user asked into the settings of each connection, the way ssh does: explicit
    /// parameters, then the inventory entry, then ssh_config, then $env:SSH_HOST/SSH_PORT/SSH_USER/SSH_PASS,
    /// then the defaults (localhost, 2222, sentinel, 10 s). With no -KeyFile and no -Credential, the
    /// ssh-agent's identities come first (IdentityAgent, else $env:SSH_AUTH_SOCK). Builds the jump-host chain so that each hop
    /// gets only what is meant for it: its own ssh_config and inventory entry, its own or the default
    /// key files, the agent (unless -JumpHostCredential names its identity), and a password only from
    /// -JumpHostCredential; never the target's password or keys.
    /// </summary>
    internal sealed class ConnectionPlanner
    {
        /// <summary>A jump host's port when neither the chain, its inventory entry nor ssh_config names one.</summary>
        public const int JumpHostDefaultPort = 22;

        private readonly ConnectionParameters _asked;
        private readonly SshConfig _config;
        private readonly Func<IReadOnlyList<ServerEntry>> _loadInventory;
        private readonly Func<string, string> _resolvePath;
        private readonly Func<string, string?> _environment;
        private readonly Action<string> _warn;
        private readonly AlgorithmSet _keyExchangeSet;
        private readonly AlgorithmSet _cipherSet;
        private readonly IReadOnlyList<string>? _keyExchanges;
        private readonly IReadOnlyList<string>? _ciphers;
        private IReadOnlyList<ServerEntry>? _inventory;

        /// <param name="loadInventory">Read only when a jump host may be an inventory server.</param>
        /// <param name="resolvePath">Turns a path from a parameter or a file (with ~) into a file-system path.</param>
        /// <param name="environment">Reads an environment variable, null when unset or empty.</param>
        /// <exception cref="SentinelException">-KeyExchange or -Cipher names an algorithm the transport lacks.</exception>
        public ConnectionPlanner(
            ISshTransport transport,
            ConnectionParameters asked,
            SshConfig config,
            Func<IReadOnlyList<ServerEntry>> loadInventory,
            Func<string, string>? resolvePath = null,
            Func<string, string?>? environment = null,
            Action<string>? warn = null)
        {
            _asked = asked;
            _config = config;
            _loadInventory = loadInventory;
            _resolvePath = resolvePath ?? ConnectionSettings.ExpandPath;
            _environment = environment ?? ConnectionSettings.FromEnvironment;
            _warn = warn ?? (_ => { });
            _keyExchangeSet = transport.KeyExchanges;
            _cipherSet = transport.Ciphers;

            // Explicit algorithms apply to every host, so a name the transport lacks is wrong for all of them.
            _keyExchanges = asked.KeyExchanges == null ? null : AlgorithmChoice.FromParameter(asked.KeyExchanges, _keyExchangeSet, "KeyExchange");
            _ciphers = asked.Ciphers == null ? null : AlgorithmChoice.FromParameter(asked.Ciphers, _cipherSet, "Cipher");
        }

        /// <summary>The host when none is named: $env:SSH_HOST, else localhost.</summary>
        public string DefaultComputerName => _environment("SSH_HOST") ?? ConnectionSettings.DefaultComputerName;

        /// <summary>
        /// One host's settings. <paramref name="entry"/> is its inventory entry, when it came from the
        /// inventory. Throws a SentinelException naming the host when its own settings are unusable.
        /// </summary>
        public ConnectionSettings SettingsFor(string computerName, ServerEntry? entry)
        {
            var config = _config.Resolve(computerName);
            var explicitKeys = _asked.KeyFiles ?? (entry?.KeyFile != null ? new[] { entry.KeyFile } : null);
            var keyFiles = (explicitKeys ?? config.IdentityFiles.ToArray()).Select(_resolvePath).ToArray();
            var password = _asked.Password;

            // $env:SSH_PASS stands in only when the user named no credential and no key.
            if (password == null && explicitKeys == null)
            {
                password = PasswordFromEnvironment();
            }

            var userName = _asked.UserName
                ?? _asked.CredentialUserName
                ?? entry?.UserName
                ?? config.User
                ?? _environment("SSH_USER")
                ?? ConnectionSettings.DefaultUserName;
            var port = _asked.Port ?? entry?.Port ?? config.Port ?? PortFromEnvironment(computerName);

            var settings = new ConnectionSettings(computerName, config.HostName ?? computerName, port, userName)
            {
                Password = password,
                KeyFiles = keyFiles,
                CertificateFiles = _asked.CertificateFiles ?? config.CertificateFiles.Select(_resolvePath).ToArray(),
                KeyPassphrase = _asked.KeyPassphrase,
                UseDefaultKeys = keyFiles.Length == 0,
                AgentPath = _asked.KeyFiles == null && _asked.CredentialUserName == null && _asked.Password == null ? Agent(config) : null,
                IdentitiesOnly = config.IdentitiesOnly,
                ConnectTimeout = _asked.ConnectTimeout ?? Seconds(config.ConnectTimeout) ?? ConnectionSettings.DefaultConnectTimeout,
                HostKeyPolicy = _asked.HostKeyPolicy ?? entry?.HostKeyPolicy ?? config.StrictHostKeyChecking ?? HostKeyPolicy.AcceptNew,
                KnownHostsFile = KnownHostsFile(config) ?? ConnectionSettings.DefaultKnownHostsFile,
                KeyExchanges = Algorithms(_keyExchanges, config.KexAlgorithms, _keyExchangeSet, "KexAlgorithms", computerName),
                Ciphers = Algorithms(_ciphers, config.Ciphers, _cipherSet, "Ciphers", computerName),
            };
            if (config.ServerAliveInterval.HasValue || config.ServerAliveCountMax.HasValue)
            {
                settings.KeepAlive = new KeepAliveSettings(
                    TimeSpan.FromSeconds(config.ServerAliveInterval ?? (int)KeepAliveSettings.Default.Interval.TotalSeconds),
                    config.ServerAliveCountMax ?? KeepAliveSettings.Default.CountMax);
            }

            var chain = _asked.JumpHost ?? entry?.JumpHost ?? config.ProxyJump;
            if (chain != null)
            {
                settings.JumpHosts = JumpHostSpec.ParseChain(chain, computerName).Select(hop => HopSettings(hop, settings)).ToArray();
            }

            return settings;
        }

        /// <summary>
        /// A jump host's settings, as OpenSSH's ProxyJump builds them: the hop is a connection of its own
        /// (ssh runs "ssh [-l user] [-p port] [-F config] hop -W target", without the target's -i or
        /// password). So its user, port and keys come from the chain, then -JumpHostCredential, then an
        /// inventory server of that name, then the hop's ssh_config entry, then the defaults (default key
        /// files, $env:SSH_USER or sentinel, port 22). Its password is -JumpHostCredential's or none.
        /// Host-key policy, known_hosts and timeout follow the hop's entries, else the target's.
        /// </summary>
        private ConnectionSettings HopSettings(JumpHostSpec hop, ConnectionSettings target)
        {
            var entry = InventoryEntry(hop.Host);
            var configName = entry?.ComputerName ?? hop.Host;
            var config = _config.Resolve(configName);
            var keyFiles = (entry?.KeyFile != null ? new[] { entry.KeyFile } : config.IdentityFiles.ToArray()).Select(_resolvePath).ToArray();
            var userName = hop.UserName
                ?? _asked.JumpHostUserName
                ?? entry?.UserName
                ?? config.User
                ?? _environment("SSH_USER")
                ?? ConnectionSettings.DefaultUserName;
            return new ConnectionSettings(hop.Host, config.HostName ?? configName, hop.Port ?? entry?.Port ?? config.Port ?? JumpHostDefaultPort, userName)
            {
                Password = _asked.JumpHostPassword,
                KeyFiles = keyFiles,
                CertificateFiles = config.CertificateFiles.Select(_resolvePath).ToArray(),
                KeyPassphrase = _asked.KeyPassphrase,
                UseDefaultKeys = keyFiles.Length == 0,
                AgentPath = _asked.JumpHostPassword == null ? Agent(config) : null,
                IdentitiesOnly = config.IdentitiesOnly,
                IsJumpHost = true,
                ConnectTimeout = _asked.ConnectTimeout ?? Seconds(config.ConnectTimeout) ?? target.ConnectTimeout,
                HostKeyPolicy = _asked.HostKeyPolicy ?? entry?.HostKeyPolicy ?? config.StrictHostKeyChecking ?? target.HostKeyPolicy,
                KnownHostsFile = KnownHostsFile(config) ?? target.KnownHostsFile,
                KeyExchanges = Algorithms(_keyExchanges, config.KexAlgorithms, _keyExchangeSet, "KexAlgorithms", hop.Host),
                Ciphers = Algorithms(_ciphers, config.Ciphers, _cipherSet, "Ciphers", hop.Host),
            };
        }

        /// <summary>The inventory server named exactly like the hop (any case), if any.</summary>
        private ServerEntry? InventoryEntry(string hopName)
        {
            _inventory ??= _loadInventory();
            return _inventory.FirstOrDefault(e => string.Equals(e.Name, hopName, StringComparison.OrdinalIgnoreCase));
        }

        private string? KnownHostsFile(SshHostConfig config) =>
            _asked.KnownHostsFile ?? (config.UserKnownHostsFile != null ? _resolvePath(config.UserKnownHostsFile) : null);

        private string? Agent(SshHostConfig config) => Sentinel.Agent.AgentSocket.Locate(config.IdentityAgent, _environment, _resolvePath);

        private static TimeSpan? Seconds(int? seconds) => seconds.HasValue ? TimeSpan.FromSeconds(seconds.Value) : (TimeSpan?)null;

        /// <summary>What this host's connection offers: the explicit parameter, else its ssh_config entry, else the defaults (null).</summary>
        private IReadOnlyList<string>? Algorithms(IReadOnlyList<string>? explicitChoice, string? configValue, AlgorithmSet set, string keyword, string host) =>
            explicitChoice != null || configValue == null ? explicitChoice : AlgorithmChoice.FromConfig(configValue, set, keyword, host, _warn);

        private SecureString? PasswordFromEnvironment()
        {
            var value = _environment("SSH_PASS");
            if (value == null)
            {
                return null;
            }

            var secure = new SecureString();
            foreach (var c in value)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }

        private int PortFromEnvironment(string computerName)
        {
            var fromEnvironment = _environment("SSH_PORT");
            if (fromEnvironment == null)
            {
                return ConnectionSettings.DefaultPort;
            }

            if (int.TryParse(fromEnvironment, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port >= 1 && port <= 65535)
            {
                return port;
            }

            throw new SentinelException(
                ErrorIds.InvalidArgument,
                ErrorCategory.InvalidArgument,
                computerName,
                $"$env:SSH_PORT is '{fromEnvironment}', which is not a port number (1-65535).",
                "Fix or remove $env:SSH_PORT, or pass -Port.");
        }
    }
}
