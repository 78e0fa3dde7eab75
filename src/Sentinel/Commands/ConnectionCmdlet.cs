using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Security;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.HostKeys;

namespace Sentinel.Commands
{
    /// <summary>
    /// The connection parameters shared by the cmdlets that open connections, and the rules that turn
    /// them into settings: explicit parameters, then $env:SSH_HOST/SSH_PORT/SSH_USER/SSH_PASS, then
    /// the defaults (localhost, 2222, sentinel, 10 s).
    /// </summary>
    public abstract class ConnectionCmdlet : SentinelCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("HostName", "Host")]
        [ValidateNotNullOrEmpty]
        public string[]? ComputerName { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        public int Port { get; set; }

        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? UserName { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? KeyFile { get; set; }

        [Parameter]
        public SecureString? KeyPassphrase { get; set; }

        /// <summary>Seconds to wait for TCP, key exchange and authentication together.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int ConnectTimeout { get; set; } = (int)ConnectionSettings.DefaultConnectTimeout.TotalSeconds;

        [Parameter]
        public HostKeyPolicy HostKeyPolicy { get; set; } = HostKeyPolicy.AcceptNew;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsFile { get; set; }

        /// <summary>The hosts this invocation targets: the parameter, else $env:SSH_HOST, else localhost.</summary>
        internal string[] TargetComputerNames() =>
            ComputerName ?? new[] { ConnectionSettings.FromEnvironment("SSH_HOST") ?? ConnectionSettings.DefaultComputerName };

        internal ConnectionSettings SettingsFor(string computerName)
        {
            var userName = UserName
                ?? (Credential != null ? Credential.UserName : null)
                ?? ConnectionSettings.FromEnvironment("SSH_USER")
                ?? ConnectionSettings.DefaultUserName;
            var keyFiles = (KeyFile ?? Array.Empty<string>()).Select(path => GetUnresolvedProviderPathFromPSPath(ConnectionSettings.ExpandPath(path))).ToArray();
            var password = Credential?.Password;

            // $env:SSH_PASS stands in only when the user named no credential and no key.
            if (password == null && keyFiles.Length == 0)
            {
                password = ConnectionSettings.PasswordFromEnvironment();
            }

            return new ConnectionSettings(computerName, ResolvePort(computerName), userName)
            {
                Password = password,
                KeyFiles = keyFiles,
                KeyPassphrase = KeyPassphrase,
                UseDefaultKeys = keyFiles.Length == 0,
                ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeout),
                HostKeyPolicy = HostKeyPolicy,
                KnownHostsFile = KnownHostsFile != null
                    ? GetUnresolvedProviderPathFromPSPath(ConnectionSettings.ExpandPath(KnownHostsFile))
                    : ConnectionSettings.DefaultKnownHostsFile,
            };
        }

        private int ResolvePort(string computerName)
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Port)))
            {
                return Port;
            }

            var fromEnvironment = ConnectionSettings.FromEnvironment("SSH_PORT");
            if (fromEnvironment == null)
            {
                return ConnectionSettings.DefaultPort;
            }

            if (int.TryParse(fromEnvironment, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port >= 1 && port <= 65535)
            {
                return port;
            }

            ThrowSentinelError(new SentinelException(
                ErrorIds.InvalidArgument,
                ErrorCategory.InvalidArgument,
                computerName,
                $"$env:SSH_PORT is '{fromEnvironment}', which is not a port number (1-65535).",
                "Fix or remove $env:SSH_PORT, or pass -Port."));
            return 0;
        }
    }
}
