using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Inventory;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>
    /// The connection parameters shared by the cmdlets that open connections and the ways to name the
    /// hosts (-ComputerName, or inventory -Name / -Tag). What the parameters mean for each host (the
    /// precedence of parameters, inventory, ssh_config, environment and defaults, and the jump-host
    /// chain) is the ConnectionPlanner's; this class only binds, selects hosts and reports.
    /// </summary>
    public abstract class ConnectionCmdlet : SentinelCmdlet
    {
        protected const string ComputerNameSet = "ComputerName";
        protected const string NameSet = "Name";
        protected const string TagSet = "Tag";

        private SshConfig? _sshConfig;
        private int _warningsWritten;
        private readonly HashSet<string> _algorithmWarnings = new HashSet<string>(StringComparer.Ordinal);
        private readonly List<SentinelSession> _pipedSessions = new List<SentinelSession>();
        private readonly List<string> _pipedNames = new List<string>();

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

        /// <summary>OpenSSH user certificates (ssh -o CertificateFile), each offered with the key it certifies.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string[]? CertificateFile { get; set; }

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

        /// <summary>
        /// The one credential for the jump hosts: its password is the only password a jump host is ever
        /// offered (never -Credential's, never $env:SSH_PASS), its user the hops' user unless the chain names one.
        /// </summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [Credential]
        public PSCredential? JumpHostCredential { get; set; }

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

        /// <summary>The sessions gathered from the pipeline, each once, in the order they came.</summary>
        internal List<SentinelSession> PipedSessions => _pipedSessions;

        /// <summary>Adds a session that came down the pipeline, unless it came already.</summary>
        internal void GatherSession(SentinelSession session)
        {
            if (!_pipedSessions.Contains(session))
            {
                _pipedSessions.Add(session);
            }
        }

        /// <summary>
        /// Called from ProcessRecord: sessions and piped inventory entries (-Name) bind one pipeline object
        /// at a time, so each is gathered, once, for EndProcessing.
        /// </summary>
        internal void GatherPiped(IEnumerable<SentinelSession>? sessions)
        {
            foreach (var session in sessions ?? Enumerable.Empty<SentinelSession>())
            {
                GatherSession(session);
            }

            foreach (var name in ParameterSetName == NameSet ? Name ?? new string[0] : new string[0])
            {
                if (!_pipedNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    _pipedNames.Add(name);
                }
            }
        }

        /// <summary>In EndProcessing, before ResolveTargets: -Name becomes every name piped in, not only the last object's.</summary>
        internal void UsePipedNames()
        {
            if (ParameterSetName == NameSet)
            {
                Name = _pipedNames.ToArray();
            }
        }

        /// <summary>The settings of every host this invocation names; unknown inventory names are errors written here.</summary>
        internal List<ConnectionSettings> ResolveTargets() => ResolveTargetEntries().Select(target => target.Settings).ToList();

        /// <summary>As <see cref="ResolveTargets"/>, each with the inventory entry it came from (null for a -ComputerName host).</summary>
        internal List<(ConnectionSettings Settings, ServerEntry? Entry)> ResolveTargetEntries()
        {
            var planner = NewPlanner();
            var targets = new List<(ConnectionSettings, ServerEntry?)>();
            switch (ParameterSetName)
            {
                case NameSet:
                case TagSet:
                    foreach (var entry in SelectEntries(LoadInventory()))
                    {
                        AddTarget(planner, targets, entry.ComputerName, entry);
                    }

                    break;
                default:
                    foreach (var name in ComputerName ?? new[] { planner.DefaultComputerName })
                    {
                        AddTarget(planner, targets, name, null);
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

        /// <summary>What the user asked, as bound: an unbound parameter is null, so the planner's precedence decides.</summary>
        private ConnectionParameters Asked() => new ConnectionParameters
        {
            Port = Bound(nameof(Port)) ? Port : (int?)null,
            UserName = UserName,
            CredentialUserName = Credential?.UserName,
            Password = Credential?.Password,
            KeyFiles = KeyFile?.Select(ResolvePath).ToArray(),
            CertificateFiles = CertificateFile?.Select(ResolvePath).ToArray(),
            KeyPassphrase = KeyPassphrase,
            ConnectTimeout = Bound(nameof(ConnectTimeout)) ? TimeSpan.FromSeconds(ConnectTimeout) : (TimeSpan?)null,
            HostKeyPolicy = Bound(nameof(HostKeyPolicy)) ? HostKeyPolicy : (HostKeyPolicy?)null,
            KnownHostsFile = KnownHostsFile != null ? ResolvePath(KnownHostsFile) : null,
            JumpHost = JumpHost,
            JumpHostUserName = JumpHostCredential?.UserName,
            JumpHostPassword = JumpHostCredential?.Password,
            KeyExchanges = KeyExchange,
            Ciphers = Cipher,
        };

        /// <summary>-KeyExchange and -Cipher apply to every host, so a name the transport lacks stops the whole invocation.</summary>
        private ConnectionPlanner NewPlanner()
        {
            try
            {
                return new ConnectionPlanner(Transport, Asked(), SshConfiguration, () => ServerInventory.Load(ServerInventory.DefaultPath), ResolvePath, warn: warning =>
                {
                    if (_algorithmWarnings.Add(warning))
                    {
                        WriteWarning(warning);
                    }
                });
            }
            catch (SentinelException e)
            {
                ThrowSentinelError(e, string.Join(",", (KeyExchange ?? new string[0]).Concat(Cipher ?? new string[0])));
                throw;
            }
        }

        /// <summary>
        /// A host whose own settings are wrong (its ssh_config entry, its bastion's, its jump chain) is an
        /// error for that host alone; the others go on.
        /// </summary>
        private void AddTarget(ConnectionPlanner planner, List<(ConnectionSettings, ServerEntry?)> targets, string computerName, ServerEntry? entry)
        {
            try
            {
                targets.Add((planner.SettingsFor(computerName, entry), entry));
            }
            catch (SentinelException e)
            {
                WriteSentinelError(e, computerName);
            }
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
            ? SshConfig.Load(ResolvePath(ConfigFile), mustExist: true)
            : SshConfig.Load(SshConfig.DefaultPath);

        private string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(ConnectionSettings.ExpandPath(path));
    }
}
