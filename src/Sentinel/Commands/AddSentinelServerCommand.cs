using System;
using System.Linq;
using System.Management.Automation;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Inventory;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>Adds a named server to the inventory (or replaces it with -Force).</summary>
    [Cmdlet(VerbsCommon.Add, "SentinelServer", SupportsShouldProcess = true)]
    [OutputType(typeof(ServerEntry))]
    public sealed class AddSentinelServerCommand : SentinelCmdlet
    {
        /// <summary>The server's name in the inventory, unique; the other cmdlets name it with -ServerName.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidatePattern(@"^[A-Za-z0-9][A-Za-z0-9._-]*\z")]
        public string Name { get; set; } = string.Empty;

        /// <summary>The host name or address to connect to.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("HostName", "Host")]
        [ValidateNotNullOrEmpty]
        public string ComputerName { get; set; } = string.Empty;

        // The optional fields take null, so that an entry from Get-SentinelServer pipes back in whole.
        /// <summary>The SSH port (1-65535); checked in ProcessRecord, because ValidateRange refuses the null an entry without a port pipes in.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public int? Port { get; set; }

        /// <summary>The user to log in as on this server.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public string? UserName { get; set; }

        /// <summary>The private key to log in with on this server.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public string? KeyFile { get; set; }

        /// <summary>Bastions to go through, as ssh -J writes them: <c>user@host:port</c>, comma-separated.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public string? JumpHost { get; set; }

        /// <summary>Tags to select the server by (-Tag on the host cmdlets).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Tags")]
        [AllowNull]
        public string[]? Tag { get; set; }

        /// <summary>How this server's host key is checked.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public HostKeyPolicy? HostKeyPolicy { get; set; }

        /// <summary>Services to watch and repair on this server (Repair- and Watch-SentinelService use them when given no -Name).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Services")]
        [AllowNull]
        public string[]? Service { get; set; }

        /// <summary>Replace a server of the same name.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc/>

        protected override void ProcessRecord()
        {
            var path = ServerInventory.DefaultPath;
            try
            {
                if (Port < 1 || Port > 65535)
                {
                    WriteSentinelError(new SentinelException(ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, Name, $"Port {Port} for server '{Name}' is not a port number (1-65535).", "Pass -Port from 1 to 65535."), Name);
                    return;
                }

                var services = (Service ?? Array.Empty<string>()).Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToArray();
                foreach (var service in services.Where(s => !ServiceName.IsValid(s)))
                {
                    WriteSentinelError(ServiceErrors.InvalidName(service), service);
                    return;
                }

                if (!string.IsNullOrEmpty(JumpHost))
                {
                    JumpHostSpec.ParseChain(JumpHost!, ComputerName); // refuse a malformed chain now, not at connect time
                }

                var servers = ServerInventory.Load(path);
                var existing = servers.FindIndex(s => s.Name.Equals(Name, StringComparison.OrdinalIgnoreCase));
                if (existing >= 0 && !Force)
                {
                    WriteSentinelError(InventoryErrors.Exists(Name, path), Name);
                    return;
                }

                var entry = new ServerEntry(Name, ComputerName)
                {
                    Port = Port,
                    UserName = NullIfEmpty(UserName),
                    KeyFile = NullIfEmpty(KeyFile),
                    JumpHost = NullIfEmpty(JumpHost),
                    Tags = (Tag ?? Array.Empty<string>()).Where(t => !string.IsNullOrEmpty(t)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
                    HostKeyPolicy = HostKeyPolicy,
                    Services = services,
                };
                if (!ShouldProcess($"{Name} ({ComputerName}) in {path}", existing >= 0 ? "Replace server" : "Add server"))
                {
                    return;
                }

                if (existing >= 0)
                {
                    servers[existing] = entry;
                }
                else
                {
                    servers.Add(entry);
                }

                ServerInventory.Save(path, servers);
                WriteObject(entry);
            }
            catch (SentinelException e)
            {
                WriteSentinelError(e);
            }
        }

        private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
