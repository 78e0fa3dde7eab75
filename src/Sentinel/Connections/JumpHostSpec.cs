using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using Sentinel.Errors;

namespace Sentinel.Connections
{
    /// <summary>One hop of a jump-host chain, as ssh's -J and ProxyJump write it: <c>[user@]host[:port]</c>.</summary>
    internal sealed class JumpHostSpec
    {
        private JumpHostSpec(string host, string? userName, int? port)
        {
            Host = host;
            UserName = userName;
            Port = port;
        }

        public string Host { get; }

        public string? UserName { get; }

        public int? Port { get; }

        /// <summary>Parses a comma-separated chain, first hop first; IPv6 hosts go in brackets.</summary>
        public static IReadOnlyList<JumpHostSpec> ParseChain(string chain, string computerName) =>
            chain.Split(',').Select(hop => Parse(hop.Trim(), chain, computerName)).ToArray();

        private static JumpHostSpec Parse(string hop, string chain, string computerName)
        {
            var text = hop.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase) ? hop.Substring(6) : hop;
            string? user = null;
            var at = text.LastIndexOf('@');
            if (at >= 0)
            {
                user = text.Substring(0, at);
                text = text.Substring(at + 1);
            }

            string host = text;
            int? port = null;
            var portText = (string?)null;
            if (text.StartsWith("[", StringComparison.Ordinal))
            {
                var close = text.IndexOf(']');
                host = close > 0 ? text.Substring(1, close - 1) : string.Empty;
                portText = close > 0 && close + 1 < text.Length && text[close + 1] == ':' ? text.Substring(close + 2) : null;
            }
            else if (text.Count(c => c == ':') == 1)
            {
                host = text.Substring(0, text.IndexOf(':'));
                portText = text.Substring(text.IndexOf(':') + 1);
            }

            if (portText != null)
            {
                port = int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= 65535
                    ? number
                    : throw Invalid(chain, computerName, $"'{portText}' is not a port number");
            }

            if (host.Length == 0 || user?.Length == 0)
            {
                throw Invalid(chain, computerName, $"'{hop}' is not [user@]host[:port]");
            }

            return new JumpHostSpec(host, user, port);
        }

        private static SentinelException Invalid(string chain, string computerName, string problem) => new SentinelException(
            ErrorIds.JumpHostInvalid,
            ErrorCategory.InvalidArgument,
            computerName,
            $"The jump host chain '{chain}' for {computerName} cannot be used: {problem}.",
            "Write each hop as [user@]host[:port], hops separated by commas, the first hop first (as ssh -J).");
    }
}
