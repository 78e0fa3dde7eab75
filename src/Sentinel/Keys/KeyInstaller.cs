using System;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.HostKeys;
using Sentinel.Hosts;
using Sentinel.Results;

namespace Sentinel.Keys
{
    /// <summary>
    /// ssh-copy-id's job on one session: add a public key to the login user's ~/.ssh/authorized_keys once,
    /// append-only, and prove with a fresh connection that it logs in. The key goes to the host on
    /// stdin, never on a command line (where ps would show it and the line would need quoting).
    /// </summary>
    internal static class KeyInstaller
    {
        public const string DisplayPath = "~/.ssh/authorized_keys";

        /// <summary>Prints the file when it exists; nothing (and exit 0) when it does not.</summary>
        internal const string ReadCommand = "f=\"$HOME/.ssh/authorized_keys\"; if [ -e \"$f\" ]; then cat -- \"$f\"; fi";

        /// <summary>
        /// Appends stdin to the file. umask 077 makes a missing ~/.ssh 700 and a missing file 600 (existing
        /// ones keep their modes); a file whose last byte is not a newline gets one first, so the key starts
        /// a line of its own; nothing else in the file is rewritten.
        /// </summary>
        internal const string AppendCommand =
            "umask 077 && mkdir -p -- \"$HOME/.ssh\" && f=\"$HOME/.ssh/authorized_keys\" && " +
            "{ [ ! -s \"$f\" ] || [ -z \"$(tail -c 1 -- \"$f\")\" ] || echo >> \"$f\"; } && cat >> \"$f\"";

        private const long MaxAuthorizedKeysBytes = 8 * 1024 * 1024;

        /// <summary>Adds the key unless the file already holds it (same type and blob; comments and options do not count). True when added.</summary>
        public static async Task<bool> AddAsync(IRemoteHost host, PublicKey key, CancellationToken cancellationToken)
        {
            var session = host.Session;
            var read = await host.RunAsync(new CommandRequest(ReadCommand) { Timeout = CommandRequest.QueryTimeout, MaxOutputBytes = MaxAuthorizedKeysBytes }, cancellationToken).ConfigureAwait(false);
            if (!read.Succeeded)
            {
                throw KeyErrors.InstallFailed(session.ComputerName, session.UserName, $"read {DisplayPath}", Describe(read));
            }

            if (read.Truncated)
            {
                throw KeyErrors.InstallFailed(session.ComputerName, session.UserName, $"check {DisplayPath}", $"the file is larger than {MaxAuthorizedKeysBytes / (1024 * 1024)} MiB, too large to check for the key");
            }

            if (PublicKey.FromAuthorizedKeys(read.Output).Any(key.SameKey))
            {
                return false;
            }

            var append = await host.RunAsync(new CommandRequest(AppendCommand) { Timeout = CommandRequest.QueryTimeout, Input = Encoding.UTF8.GetBytes(key.Line + "\n") }, cancellationToken).ConfigureAwait(false);
            if (!append.Succeeded)
            {
                throw KeyErrors.InstallFailed(session.ComputerName, session.UserName, $"append the key to {DisplayPath}", Describe(append));
            }

            return true;
        }

        /// <summary>
        /// Connects afresh to the session's host, port and user (through the same jump hosts) offering only
        /// <paramref name="privateKeyFile"/>, and insists on the host key the session met (unless its policy
        /// is Ignore). Null when the key logged in; otherwise why not.
        /// </summary>
        public static async Task<string?> ProveAsync(SentinelSession session, Connector connector, string privateKeyFile, System.Security.SecureString? passphrase, Action<string> log, CancellationToken cancellationToken)
        {
            var attempt = await connector.ConnectAsync(session.Settings.WithOnlyKey(privateKeyFile, passphrase), log, cancellationToken).ConfigureAwait(false);
            if (attempt.Connection == null)
            {
                return attempt.Error?.Message ?? "the connection failed";
            }

            using (attempt.Connection)
            {
                var offered = attempt.Verifier?.OfferedFingerprint;
                if (session.Settings.HostKeyPolicy != HostKeyPolicy.Ignore && offered != session.HostKeyFingerprint)
                {
                    return $"the host answered with host key {offered}, not the session's {session.HostKeyFingerprint}";
                }

                return null;
            }
        }

        private static string Describe(CommandResult result)
        {
            var error = result.Error.Trim();
            return (error.Length > 0 ? error : "no message") + (result.ExitCode.HasValue ? $" (exit {result.ExitCode})" : $" (signal {result.ExitSignal})");
        }
    }
}
