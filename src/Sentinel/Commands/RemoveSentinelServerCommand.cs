using System;
using System.Linq;
using System.Management.Automation;
using Sentinel.Completion;
using Sentinel.Errors;
using Sentinel.Inventory;

namespace Sentinel.Commands
{
    /// <summary>Removes named servers from the inventory.</summary>
    [Cmdlet(VerbsCommon.Remove, "SentinelServer", SupportsShouldProcess = true)]
    [OutputType(typeof(void))]
    public sealed class RemoveSentinelServerCommand : SentinelCmdlet
    {
        /// <summary>The servers to remove, by name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServerNameCompleter))]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <inheritdoc/>

        protected override void ProcessRecord()
        {
            var path = ServerInventory.DefaultPath;
            try
            {
                var servers = ServerInventory.Load(path);
                var removed = false;
                foreach (var name in Name)
                {
                    var matches = servers.Where(s => ServerInventory.NameMatches(s, name)).ToList();
                    if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                    {
                        WriteSentinelError(InventoryErrors.NotFound(name, path), name);
                    }

                    foreach (var server in matches.Where(s => ShouldProcess($"{s.Name} ({s.ComputerName}) in {path}", "Remove server")))
                    {
                        removed |= servers.Remove(server);
                    }
                }

                if (removed)
                {
                    ServerInventory.Save(path, servers);
                }
            }
            catch (SentinelException e)
            {
                ThrowSentinelError(e);
            }
        }
    }
}
