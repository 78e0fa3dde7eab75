using System;
using System.Collections.Generic;
using System.Linq;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Inventory;
using Sentinel.Results;

namespace Sentinel.Hosts
{
    /// <summary>
    /// Turns the ways a user names hosts into hosts: sessions (else the newest open one), names or
    /// addresses with the connection parameters, inventory names (wildcards allowed) and tags. What the
    /// parameters mean for each host is the <see cref="ConnectionPlanner"/>'s. A host whose own
    /// settings are wrong, or a name or tag that matches nothing, is an error for that name alone; the
    /// others go on. With a shard, only the hosts of that shard are kept, chosen by the name the user
    /// gave (the -ComputerName as written, the inventory server's name), so the same inventory splits the
    /// same way on every runner; sessions are never sharded: they are hosts already chosen.
    /// </summary>
    internal sealed class TargetResolver
    {
        private readonly Func<ConnectionPlanner> _planner;
        private readonly Func<List<ServerEntry>> _inventory;
        private readonly Action<SentinelException, string> _error;
        private readonly InventoryShard? _shard;
        private ConnectionPlanner? _plannerMade;

        /// <param name="planner">Made on first need: a bad -KeyExchange fails only when a host needs settings.</param>
        /// <param name="inventory">Loads the inventory; its failure (a damaged file) is thrown to the caller.</param>
        /// <param name="error">Receives the error for one name, with the name as its target.</param>
        /// <param name="shard">The share of the hosts to keep; null keeps them all.</param>
        public TargetResolver(Func<ConnectionPlanner> planner, Func<List<ServerEntry>> inventory, Action<SentinelException, string> error, InventoryShard? shard = null)
        {
            _planner = planner;
            _inventory = inventory;
            _error = error;
            _shard = shard;
        }

        /// <summary>Hosts named before the shard was applied (each name or inventory entry once).</summary>
        public int Named { get; private set; }

        private ConnectionPlanner Planner => _plannerMade ??= _planner();

        /// <summary>The sessions given, each once; without any, the newest open session, else a NoSession error thrown.</summary>
        public static List<HostTarget> Sessions(IEnumerable<SentinelSession> given, SessionStore store)
        {
            var sessions = given.Distinct().ToList();
            if (sessions.Count == 0)
            {
                sessions.Add(store.MostRecentOpen() ?? throw SessionErrors.NoneOpen());
            }

            return sessions.Select(HostTarget.OfSession).ToList();
        }

        /// <summary>Hosts by name or address (ssh_config aliases too); none given means $env:SSH_HOST, else localhost.</summary>
        public List<HostTarget> ComputerNames(IEnumerable<string>? names)
        {
            var targets = new List<HostTarget>();
            foreach (var name in InShard((names ?? new[] { Planner.DefaultComputerName }).ToList(), name => name))
            {
                Add(targets, name, null);
            }

            return targets;
        }

        /// <summary>Inventory servers by name, wildcards allowed, each once in the order named.</summary>
        public List<HostTarget> ServerNames(IEnumerable<string> names)
        {
            var inventory = _inventory();
            var selected = new List<ServerEntry>();
            foreach (var name in names)
            {
                var matches = inventory.Where(e => ServerInventory.NameMatches(e, name)).ToList();
                if (matches.Count == 0)
                {
                    _error(InventoryErrors.NotFound(name, ServerInventory.DefaultPath), name);
                }

                selected.AddRange(matches.Where(m => !selected.Contains(m)));
            }

            return FromEntries(selected);
        }

        /// <summary>Inventory servers carrying any of the tags.</summary>
        public List<HostTarget> Tagged(string[] tags)
        {
            var tagged = _inventory().Where(e => ServerInventory.HasAnyTag(e, tags)).ToList();
            if (tagged.Count == 0)
            {
                _error(InventoryErrors.NoServerTagged(tags, ServerInventory.DefaultPath), string.Join(",", tags));
            }

            return FromEntries(tagged);
        }

        private List<HostTarget> FromEntries(IEnumerable<ServerEntry> entries)
        {
            var targets = new List<HostTarget>();
            foreach (var entry in InShard(entries.ToList(), entry => entry.Name))
            {
                Add(targets, entry.ComputerName, entry);
            }

            return targets;
        }

        private IEnumerable<T> InShard<T>(List<T> named, Func<T, string> name)
        {
            Named += named.Count;
            return _shard == null ? named : named.Where(item => _shard.Contains(name(item)));
        }

        private void Add(List<HostTarget> targets, string computerName, ServerEntry? entry)
        {
            try
            {
                targets.Add(HostTarget.ToConnect(Planner.SettingsFor(computerName, entry), entry));
            }
            catch (SentinelException e)
            {
                _error(e, computerName);
            }
        }
    }
}
