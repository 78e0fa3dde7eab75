using System;
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

        public static SentinelException Unwritable(string path, Exception inner) => new SentinelException(
            ErrorIds.InventoryUnwritable,
            ErrorCategory.WriteError,
            path,
            $"The servers file '{path}' could not be written: {inner.Message} It is as it was before.",
            "Check that the folder exists and is writable, or point $env:SENTINEL_SERVERS at another file.",
            inner);

        /// <summary>An ssh_config that cannot be used, reported for each host that would have been resolved through it.</summary>
        public static SentinelException SshConfigInvalid(string computerName, string problem) => new SentinelException(
            ErrorIds.SshConfigInvalid,
            ErrorCategory.InvalidData,
            computerName,
            $"Cannot connect to {computerName}: the OpenSSH client configuration cannot be used: {problem}. Nothing was sent to the host.",
            "Fix the file or its permissions, or pass -ConfigFile with a readable ssh_config (an empty file stands for none).");

        public static SentinelException Exists(string name, string path) => new SentinelException(
            ErrorIds.ServerExists,
            ErrorCategory.ResourceExists,
            name,
            $"A server named '{name}' is already in '{path}'.",
            "Pass -Force to replace it, or choose another name.");
    }
}
