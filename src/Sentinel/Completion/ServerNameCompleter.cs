using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Sentinel.Errors;
using Sentinel.Inventory;

namespace Sentinel.Completion
{
    /// <summary>Tab completion for -Name: the servers in the inventory.</summary>
    public sealed class ServerNameCompleter : IArgumentCompleter
    {
        /// <summary>The inventory's server names that start with the typed word, with host and tags as the tooltip; none when the file is broken.</summary>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            List<Results.ServerEntry> servers;
            try
            {
                servers = ServerInventory.Load(ServerInventory.DefaultPath);
            }
            catch (SentinelException)
            {
                return Enumerable.Empty<CompletionResult>(); // a broken file shows up on use, not while typing
            }

            var typed = wordToComplete.Trim('\'', '"');
            return servers
                .Where(s => s.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase)
                .Select(s => new CompletionResult(s.Name, s.Name, CompletionResultType.ParameterValue, $"{s.Name}: {s.ComputerName}{(s.Tags.Count > 0 ? " [" + string.Join(", ", s.Tags) + "]" : string.Empty)}"));
        }
    }
}
