using System;
using System.Linq;
using System.Management.Automation;
using Sentinel.Completion;
using Sentinel.Errors;
using Sentinel.Inventory;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Lists the named servers of the inventory, by name (wildcards) and tag.</summary>
    [Cmdlet(VerbsCommon.Get, "SentinelServer")]
    [OutputType(typeof(ServerEntry))]
    public sealed class GetSentinelServerCommand : SentinelCmdlet
    {
        /// <summary>The servers to list, by name; wildcards allowed.</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServerNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Only servers carrying at least one of these tags.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Tag { get; set; }

        /// <summary>
        /// Only the servers of share k of n (written <c>k/n</c>, k from 1), by a stable hash of the server
        /// name: n runners given 1/n to n/n each get a disjoint part, and together the whole inventory.
        /// <c>Auto</c> reads the share from the scheduler running the job, as the host cmdlets' -Shard does.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Shard { get; set; }

        /// <summary>The number of shards, for -Shard Auto where the scheduler gives no total (Kubernetes, Nomad).</summary>
        [Parameter]
        [ValidateRange(1, InventoryShard.MaxCount)]
        public int ShardCount { get; set; }

        /// <inheritdoc/>

        protected override void ProcessRecord()
        {
            var path = ServerInventory.DefaultPath;
            try
            {
                var count = MyInvocation.BoundParameters.ContainsKey(nameof(ShardCount)) ? ShardCount : (int?)null;
                var shard = InventoryShard.FromParameters(Shard, count, Environment.GetEnvironmentVariable);
                var servers = ServerInventory.Load(path);
                var names = Name ?? new[] { "*" };
                WriteObject(
                    servers.Where(s => names.Any(n => ServerInventory.NameMatches(s, n)) && (Tag == null || ServerInventory.HasAnyTag(s, Tag)) && (shard == null || shard.Contains(s.Name))),
                    enumerateCollection: true);

                // A name without wildcards that matches nothing is an error, as with Get-Item.
                foreach (var name in (Name ?? Array.Empty<string>()).Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !servers.Any(s => ServerInventory.NameMatches(s, n))))
                {
                    WriteSentinelError(InventoryErrors.NotFound(name, path), name);
                }
            }
            catch (SentinelException e)
            {
                ThrowSentinelError(e);
            }
        }
    }
}
