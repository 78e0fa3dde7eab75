using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Hosts;
using Sentinel.Inventory;
using Sentinel.Pacing;
using Sentinel.Pipeline;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>
    /// The connection parameters shared by the cmdlets that open connections, and the ways to name the
    /// hosts: -ComputerName, inventory -ServerName (or entries piped from Get-SentinelServer) and -Tag.
    /// What they mean for each host (the precedence of parameters, inventory, ssh_config, environment
    /// and defaults, and the jump-host chain) is the engine's ConnectionPlanner and TargetResolver; this
    /// class only binds, gathers what the pipeline brings and reports.
    /// </summary>
    public abstract class ConnectionCmdlet : SentinelCmdlet
    {
        /// <summary>The parameter set of hosts named by -ComputerName.</summary>
        protected const string ComputerNameSet = "ComputerName";
        /// <summary>The parameter set of inventory servers named by -ServerName or piped.</summary>
        protected const string ServerNameSet = "ServerName";
        /// <summary>The parameter set of inventory servers selected by -Tag.</summary>
        protected const string TagSet = "Tag";

        private SshConfig? _sshConfig;
        private int _warningsWritten;
        private readonly HashSet<string> _algorithmWarnings = new HashSet<string>(StringComparer.Ordinal);
        private readonly List<string> _serverNames = new List<string>();

        /// <summary>Hosts by name or address; each cmdlet declares it, because its position differs.</summary>
        public abstract string[]? ComputerName { get; set; }

        /// <summary>
        /// Inventory servers by name (wildcards allowed). Where -Name names the server (Connect-, Invoke-,
        /// Test-SentinelConnection, Copy-SentinelItem) the cmdlet overrides this to add that alias;
        /// elsewhere -Name names the service or container worked on, as in Get-Service.
        /// </summary>
        [Parameter(ParameterSetName = ServerNameSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServerNameCompleter))]
        public virtual string[]? ServerName { get; set; }

        /// <summary>Inventory entries, as Get-SentinelServer (-Shard) emits them; usually piped.</summary>
        [Parameter(ParameterSetName = ServerNameSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public ServerEntry[]? Server { get; set; }

        /// <summary>Inventory servers carrying any of these tags.</summary>
        [Parameter(ParameterSetName = TagSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Tag { get; set; }

        /// <summary>The SSH port for every host named; without it the inventory's, ssh_config's, $env:SSH_PORT, else the default.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateRange(1, 65535)]
        public int Port { get; set; }

        /// <summary>The user and password to log in with.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>The user to log in as, when -Credential does not name one.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? UserName { get; set; }

        /// <summary>Private keys to log in with, offered in order.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public virtual string[]? KeyFile { get; set; }

        /// <summary>OpenSSH user certificates (ssh -o CertificateFile), each offered with the key it certifies.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string[]? CertificateFile { get; set; }

        /// <summary>Unlocks encrypted -KeyFile keys.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        public virtual SecureString? KeyPassphrase { get; set; }

        /// <summary>Seconds to wait for TCP, key exchange and authentication together.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateRange(1, 3600)]
        public int ConnectTimeout { get; set; } = (int)ConnectionSettings.DefaultConnectTimeout.TotalSeconds;

        /// <summary>How the host key is checked against known_hosts: Strict, AcceptNew (the default) or Ignore.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        public HostKeyPolicy HostKeyPolicy { get; set; } = HostKeyPolicy.AcceptNew;

        /// <summary>The known_hosts file to check and record host keys in; ~/.ssh/known_hosts by default.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsFile { get; set; }

        /// <summary>Bastions to go through, as ssh -J writes them: <c>user@host:port</c>, comma-separated, first hop first.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? JumpHost { get; set; }

        /// <summary>
        /// The one credential for the jump hosts: its password is the only password a jump host is ever
        /// offered (never -Credential's, never $env:SSH_PASS), its user the hops' user unless the chain names one.
        /// </summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [Credential]
        public PSCredential? JumpHostCredential { get; set; }

        /// <summary>The OpenSSH client configuration to read; ~/.ssh/config by default.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? ConfigFile { get; set; }

        /// <summary>
        /// Key exchange algorithms to offer, most preferred first, instead of the defaults (which put the
        /// post-quantum hybrids first). curve25519-sha256 alone costs far less CPU per connection.
        /// </summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(AlgorithmCompleter))]
        public string[]? KeyExchange { get; set; }

        /// <summary>Ciphers to offer, most preferred first, instead of the defaults.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(AlgorithmCompleter))]
        public string[]? Cipher { get; set; }

        /// <summary>
        /// Only the hosts of one share: <c>k/n</c> (k counts from 1), or <c>Auto</c> to read it from the
        /// scheduler that runs this job (Kubernetes Indexed Jobs, GitLab parallel:, Azure Pipelines, Nomad).
        /// Hosts split by a stable hash of the name given (the -ComputerName as written, the inventory
        /// server's name), so n runners get disjoint shares that together cover every host.
        /// </summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? Shard { get; set; }

        /// <summary>The number of shards, for -Shard Auto where the scheduler gives no total (Kubernetes, Nomad).</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateRange(1, InventoryShard.MaxCount)]
        public int ShardCount { get; set; }

        /// <summary>How many hosts to work on at once: the ceiling, not the pace (SSH handshakes within it are paced by their latency).</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 32;

        /// <summary>
        /// A connector for this invocation whose handshakes are paced: -ThrottleLimit is their ceiling,
        /// their own latency the pace (see <see cref="HandshakePacer"/>); each change is said on the verbose stream.
        /// </summary>
        internal Connector PacedConnector(PipelinePump pump) =>
            new Connector(Transport, new HandshakePacer(ThrottleLimit, TimeSpan.FromSeconds(ConnectTimeout), line => pump.Post(() => WriteVerbose(line))));

        private bool Bound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        /// <summary>
        /// Whether -KeyFile and -KeyPassphrase are the login key; Install-SentinelKey gives them another
        /// meaning (the key it installs and proves), so its logins use ssh_config, the agent or a password.
        /// </summary>
        internal virtual bool KeyFileLogsIn => true;

        /// <summary>
        /// Gathers the inventory names each pipeline object brings (-ServerName by property, piped entries),
        /// each once, for EndProcessing, where the hosts are worked on together.
        /// </summary>
        protected override void ProcessRecord()
        {
            foreach (var name in (ServerName ?? Array.Empty<string>()).Concat((Server ?? Array.Empty<ServerEntry>()).Select(s => s.Name)))
            {
                if (!_serverNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    _serverNames.Add(name);
                }
            }
        }

        /// <summary>The hosts -ComputerName, -ServerName (and piped entries) or -Tag name; errors for single names are written here.</summary>
        internal List<HostTarget> ResolveConnectTargets()
        {
            var shard = ChooseShard();
            var resolver = new TargetResolver(NewPlanner, LoadInventory, (error, target) => WriteSentinelError(error, target), shard);
            List<HostTarget> targets;
            switch (ParameterSetName)
            {
                case ServerNameSet:
                    if (_serverNames.Count == 0)
                    {
                        ThrowSentinelError(new SentinelException(ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, null, "No inventory server was named.", "Pass -ServerName, or pipe servers from Get-SentinelServer."));
                    }

                    targets = resolver.ServerNames(_serverNames);
                    break;
                case TagSet:
                    targets = resolver.Tagged(Tag!);
                    break;
                default:
                    targets = resolver.ComputerNames(ComputerName);
                    break;
            }

            // Once per invocation, however many objects come down the pipeline.
            foreach (var warning in SshConfiguration.Warnings.Skip(_warningsWritten).ToArray())
            {
                WriteWarning(warning);
            }

            _warningsWritten = SshConfiguration.Warnings.Count;
            if (shard != null)
            {
                WriteVerbose($"Shard {shard.Source}: {targets.Count} of the {resolver.Named} host(s) named.");
                if (targets.Count == 0 && resolver.Named > 0)
                {
                    // Normal when there are about as many shards as hosts: this runner has nothing to do.
                    WriteWarning($"Shard {shard.Source} holds none of the {resolver.Named} host(s) named; nothing to do here.");
                }
            }

            return targets;
        }

        /// <summary>-Shard and -ShardCount as a shard, null without -Shard; a wrong one stops the cmdlet before any host is touched.</summary>
        private InventoryShard? ChooseShard()
        {
            var count = Bound(nameof(ShardCount)) ? ShardCount : (int?)null;
            try
            {
                return InventoryShard.FromParameters(Shard, count, Environment.GetEnvironmentVariable);
            }
            catch (SentinelException e)
            {
                ThrowSentinelError(e, Shard);
                throw;
            }
        }

        /// <summary>What the user asked, as bound: an unbound parameter is null, so the planner's precedence decides.</summary>
        private ConnectionParameters Asked() => new ConnectionParameters
        {
            Port = Bound(nameof(Port)) ? Port : (int?)null,
            UserName = UserName,
            CredentialUserName = Credential?.UserName,
            Password = Credential?.Password,
            KeyFiles = KeyFileLogsIn ? KeyFile?.Select(ResolvePath).ToArray() : null,
            CertificateFiles = CertificateFile?.Select(ResolvePath).ToArray(),
            KeyPassphrase = KeyFileLogsIn ? KeyPassphrase : null,
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
                ThrowSentinelError(e, string.Join(",", (KeyExchange ?? Array.Empty<string>()).Concat(Cipher ?? Array.Empty<string>())));
                throw;
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

        private SshConfig SshConfiguration => _sshConfig ??= ConfigFile != null
            ? SshConfig.Load(ResolvePath(ConfigFile), mustExist: true)
            : SshConfig.Load(SshConfig.DefaultPath);

        private string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(ConnectionSettings.ExpandPath(path));
    }
}
