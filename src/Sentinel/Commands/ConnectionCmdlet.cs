using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Security;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Inventory;
using Sentinel.Module;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Commands
{
    /// <summary>
    /// The connection parameters shared by the cmdlets that open connections, the ways to name the
    /// hosts (-ComputerName, or inventory -Name / -Tag), and the one rule that turns them into
    /// settings, the way ssh does: explicit parameters, then the inventory entry, then ~/.ssh/config,
    /// then $env:SSH_HOST/SSH_PORT/SSH_USER/SSH_PASS, then the defaults (localhost, 2222, sentinel, 10 s).
    /// </summary>
    public abstract class ConnectionCmdlet : SentinelCmdlet
    {
        protected const string ComputerNameSet = "ComputerName";
        protected const string NameSet = "Name";
        protected const string TagSet = "Tag";

        private SshConfig? _sshConfig;
        private int _warningsWritten;
        private readonly HashSet<string> _algorithmWarnings = new HashSet<string>(StringComparer.Ordinal);
        private IReadOnlyList<string>? _keyExchanges;
        private IReadOnlyList<string>? _ciphers;

        /// <summary>Hosts by name or address; each cmdlet declares it, because its position differs.</summary>
        public abstract string[]? ComputerName { get; set; }

        /// <summary>Inventory servers by name (wildcards allowed); Get-SentinelServer output pipes here.</summary>
        [Parameter(ParameterSetName = NameSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServerNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Inventory servers carrying any of these tags.</summary>
        [Parameter(ParameterSetName = TagSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Tag { get; set; }

        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateRange(1, 65535)]
        public int Port { get; set; }

        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? UserName { get; set; }

        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string[]? KeyFile { get; set; }

        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        public SecureString? KeyPassphrase { get; set; }

        /// <summary>Seconds to wait for TCP, key exchange and authentication together.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateRange(1, 3600)]
        public int ConnectTimeout { get; set; } = (int)ConnectionSettings.DefaultConnectTimeout.TotalSeconds;

        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        public HostKeyPolicy HostKeyPolicy { get; set; } = HostKeyPolicy.AcceptNew;

        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsFile { get; set; }

        /// <summary>Bastions to go through, as ssh -J writes them: <c>user@host:port</c>, comma-separated, first hop first.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? JumpHost { get; set; }

        /// <summary>The OpenSSH client configuration to read; ~/.ssh/config by default.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? ConfigFile { get; set; }

        /// <summary>
        /// Key exchange algorithms to offer, most preferred first, instead of the defaults (which put the
        /// post-quantum hybrids first). curve25519-sha256 alone costs far less CPU per connection.
        /// </summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(AlgorithmCompleter))]
        public string[]? KeyExchange { get; set; }

        /// <summary>Ciphers to offer, most preferred first, instead of the defaults.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(AlgorithmCompleter))]
        public string[]? Cipher { get; set; }

        /// <summary>How many hosts to work on at once.</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 32;

        private bool Bound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        /// <summary>The settings of every host this invocation names; unknown inventory names are errors written here.</summary>
        internal List<ConnectionSettings> ResolveTargets()
        {
            ResolveExplicitAlgorithms();
            var targets = new List<ConnectionSettings>();
            switch (ParameterSetName)
            {
                case NameSet:
                case TagSet:
                    var inventory = LoadInventory();
                    foreach (var entry in SelectEntries(inventory))
                    {
                        AddTarget(targets, entry.ComputerName, entry);
                    }

                    break;
                default:
                    var names = ComputerName ?? new[] { ConnectionSettings.FromEnvironment("SSH_HOST") ?? ConnectionSettings.DefaultComputerName };
                    foreach (var name in names)
                    {
                        AddTarget(targets, name, null);
                    }

                    break;
            }

            // Once per invocation, however many objects come down the pipeline.
            foreach (var warning in SshConfiguration.Warnings.Skip(_warningsWritten).ToArray())
            {
                WriteWarning(warning);
            }

            _warningsWritten = SshConfiguration.Warnings.Count;
            return targets;
        }

        /// <summary>
        /// A host whose own settings are wrong (its ssh_config entry or the file itself, its ProxyJump, its
        /// bastion's) is an error for that host alone; the others go on.
        /// </summary>
        private void AddTarget(List<ConnectionSettings> targets, string computerName, ServerEntry? entry)
        {
            try
            {
                targets.Add(SettingsFor(computerName, entry));
            }
            catch (SentinelException e)
            {
                WriteSentinelError(e, computerName);
            }
        }

        /// <summary>-KeyExchange and -Cipher apply to every host, so a name the transport lacks stops the whole invocation.</summary>
        private void ResolveExplicitAlgorithms()
        {
            _keyExchanges ??= FromParameter(KeyExchange, SshAdapterLoader.Transport.KeyExchanges, nameof(KeyExchange));
            _ciphers ??= FromParameter(Cipher, SshAdapterLoader.Transport.Ciphers, nameof(Cipher));
        }

        private IReadOnlyList<string>? FromParameter(string[]? names, AlgorithmSet set, string parameter)
        {
            try
            {
                return names == null ? null : AlgorithmChoice.FromParameter(names, set, parameter);
            }
            catch (SentinelException e)
            {
                ThrowSentinelError(e, string.Join(",", names!));
                throw;
            }
        }

        /// <summary>What this host's connection offers: the explicit parameter, else its ssh_config entry, else the defaults (null).</summary>
        private IReadOnlyList<string>? Algorithms(IReadOnlyList<string>? explicitChoice, string? configValue, AlgorithmSet set, string keyword, string host)
        {
            if (explicitChoice != null || configValue == null)
            {
                return explicitChoice;
            }

            return AlgorithmChoice.FromConfig(configValue, set, keyword, host, warning =>
            {
                if (_algorithmWarnings.Add(warning))
                {
                    WriteWarning(warning);
                }
            });
        }

        private List<ServerEntry> LoadInventory()
        {
            try
            {
                return ServerInventory.Load(ServerInventory.DefaultPath);
            }
            catch (SentinelException e)
            {
                ThrowSentinelError(e);
                throw;
            }
        }

        private IEnumerable<ServerEntry> SelectEntries(List<ServerEntry> inventory)
        {
            if (ParameterSetName == TagSet)
            {
                var tagged = inventory.Where(e => ServerInventory.HasAnyTag(e, Tag!)).ToList();
                if (tagged.Count == 0)
                {
                    WriteSentinelError(InventoryErrors.NoServerTagged(Tag!, ServerInventory.DefaultPath), string.Join(",", Tag!));
                }

                return tagged;
            }

            var selected = new List<ServerEntry>();
            foreach (var name in Name!)
            {
                var matches = inventory.Where(e => ServerInventory.NameMatches(e, name)).ToList();
                if (matches.Count == 0)
                {
                    WriteSentinelError(InventoryErrors.NotFound(name, ServerInventory.DefaultPath), name);
                }

                selected.AddRange(matches.Where(m => !selected.Contains(m)));
            }

            return selected;
        }

        private SshConfig SshConfiguration => _sshConfig ??= ConfigFile != null
            ? SshConfig.Load(GetUnresolvedProviderPathFromPSPath(ConnectionSettings.ExpandPath(ConfigFile)), mustExist: true)
            : SshConfig.Load(SshConfig.DefaultPath);

        /// <summary>One host's settings. <paramref name="entry"/> is its inventory entry, when it came from the inventory.</summary>
        internal ConnectionSettings SettingsFor(string computerName, ServerEntry? entry)
        {
            var config = SshConfiguration.Resolve(computerName);
            var explicitKeys = KeyFile ?? (entry?.KeyFile != null ? new[] { entry.KeyFile } : null);
            var keyFiles = (explicitKeys ?? config.IdentityFiles.ToArray()).Select(ExpandedPath).ToArray();
            var password = Credential?.Password;

            // $env:SSH_PASS stands in only when the user named no credential and no key.
            if (password == null && explicitKeys == null)
            {
                password = ConnectionSettings.PasswordFromEnvironment();
            }

            var userName = UserName
                ?? Credential?.UserName
                ?? entry?.UserName
                ?? config.User
                ?? ConnectionSettings.FromEnvironment("SSH_USER")
                ?? ConnectionSettings.DefaultUserName;
            var port = Bound(nameof(Port)) ? Port : entry?.Port ?? config.Port ?? PortFromEnvironment(computerName);

            var settings = new ConnectionSettings(computerName, config.HostName ?? computerName, port, userName)
            {
                Password = password,
                KeyFiles = keyFiles,
                KeyPassphrase = KeyPassphrase,
                UseDefaultKeys = keyFiles.Length == 0,
                ConnectTimeout = TimeSpan.FromSeconds(Bound(nameof(ConnectTimeout)) ? ConnectTimeout : config.ConnectTimeout ?? ConnectTimeout),
                HostKeyPolicy = Bound(nameof(HostKeyPolicy)) ? HostKeyPolicy : entry?.HostKeyPolicy ?? config.StrictHostKeyChecking ?? HostKeyPolicy,
                KnownHostsFile = KnownHostsFile != null ? ExpandedPath(KnownHostsFile)
                    : config.UserKnownHostsFile != null ? ExpandedPath(config.UserKnownHostsFile)
                    : ConnectionSettings.DefaultKnownHostsFile,
                KeyExchanges = Algorithms(_keyExchanges, config.KexAlgorithms, SshAdapterLoader.Transport.KeyExchanges, "KexAlgorithms", computerName),
                Ciphers = Algorithms(_ciphers, config.Ciphers, SshAdapterLoader.Transport.Ciphers, "Ciphers", computerName),
            };
            if (config.ServerAliveInterval.HasValue || config.ServerAliveCountMax.HasValue)
            {
                settings.KeepAlive = new KeepAliveSettings(
                    TimeSpan.FromSeconds(config.ServerAliveInterval ?? (int)KeepAliveSettings.Default.Interval.TotalSeconds),
                    config.ServerAliveCountMax ?? KeepAliveSettings.Default.CountMax);
            }

            var chain = JumpHost ?? entry?.JumpHost ?? config.ProxyJump;
            if (chain != null)
            {
                settings.JumpHosts = JumpHostSpec.ParseChain(chain, computerName).Select(hop => HopSettings(hop, settings)).ToArray();
            }

            return settings;
        }

        /// <summary>
        /// A bastion's settings: its own ssh_config entry applies, and the credentials and keys given
        /// for the target are offered to it too (one identity across the path, the common set-up).
        /// </summary>
        private ConnectionSettings HopSettings(JumpHostSpec hop, ConnectionSettings target)
        {
            var config = SshConfiguration.Resolve(hop.Host);
            return new ConnectionSettings(hop.Host, config.HostName ?? hop.Host, hop.Port ?? config.Port ?? 22, hop.UserName ?? config.User ?? target.UserName)
            {
                Password = target.Password,
                KeyFiles = KeyFile == null && config.IdentityFiles.Count > 0 ? config.IdentityFiles.Select(ExpandedPath).ToArray() : target.KeyFiles,
                KeyPassphrase = target.KeyPassphrase,
                UseDefaultKeys = target.UseDefaultKeys,
                ConnectTimeout = target.ConnectTimeout,
                HostKeyPolicy = Bound(nameof(HostKeyPolicy)) ? HostKeyPolicy : config.StrictHostKeyChecking ?? target.HostKeyPolicy,
                KnownHostsFile = target.KnownHostsFile,
                KeyExchanges = Algorithms(_keyExchanges, config.KexAlgorithms, SshAdapterLoader.Transport.KeyExchanges, "KexAlgorithms", hop.Host),
                Ciphers = Algorithms(_ciphers, config.Ciphers, SshAdapterLoader.Transport.Ciphers, "Ciphers", hop.Host),
            };
        }

        private string ExpandedPath(string path) => GetUnresolvedProviderPathFromPSPath(ConnectionSettings.ExpandPath(path));

        private int PortFromEnvironment(string computerName)
        {
            var fromEnvironment = ConnectionSettings.FromEnvironment("SSH_PORT");
            if (fromEnvironment == null)
            {
                return ConnectionSettings.DefaultPort;
            }

            if (int.TryParse(fromEnvironment, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port >= 1 && port <= 65535)
            {
                return port;
            }

            ThrowSentinelError(new SentinelException(
                ErrorIds.InvalidArgument,
                ErrorCategory.InvalidArgument,
                computerName,
                $"$env:SSH_PORT is '{fromEnvironment}', which is not a port number (1-65535).",
                "Fix or remove $env:SSH_PORT, or pass -Port."));
            return 0;
        }
    }
}
