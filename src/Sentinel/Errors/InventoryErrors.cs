using System.Collections.Generic;
using System.Management.Automation;

namespace Sentinel.Errors
{
    internal static class InventoryErrors
    {
        public static SentinelException NotFound(string name, string path) => new SentinelException(
            ErrorIds.ServerNotFound,
            ErrorCategory.ObjectNotFound,
            name,
            $"No server named '{name}' in the servers file '{path}'.",
            "List the servers with Get-SentinelServer, or add one with Add-SentinelServer.");

        public static SentinelException NoServerTagged(IEnumerable<string> tags, string path) => new SentinelException(
            ErrorIds.ServerNotFound,
            ErrorCategory.ObjectNotFound,
            string.Join(",", tags),
            $"No server in '{path}' carries the tag(s) {string.Join(", ", tags)}.",
            "List the servers and their tags with Get-SentinelServer.");

        public static SentinelException Exists(string name, string path) => new SentinelException(
            ErrorIds.ServerExists,
            ErrorCategory.ResourceExists,
            name,
            $"A server named '{name}' is already in '{path}'.",
            "Pass -Force to replace it, or choose another name.");
    }
}
