using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Keys;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>
    /// ssh-copy-id: appends a public key to the login user's ~/.ssh/authorized_keys once (append only,
    /// ~/.ssh 700 and the file 600 when it makes them), then proves with a fresh connection that the
    /// matching private key logs in.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Install, "SentinelKey", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true)]
    [OutputType(typeof(KeyInstallResult))]
    public sealed class InstallSentinelKeyCommand : HostCmdlet
    {
        /// <summary>Inventory servers by name (wildcards allowed); piped Get-SentinelServer output binds here.</summary>
        [Parameter(ParameterSetName = ServerNameSet, Mandatory = true, ValueFromPipelineByPropertyName = true), Alias("Name"), SupportsWildcards, ValidateNotNullOrEmpty, ArgumentCompleter(typeof(ServerNameCompleter))]
        public override string[]? ServerName { get; set; }

        /// <summary>The public key file (.pub) to install.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string PublicKeyFile { get; set; } = string.Empty;

        /// <summary>
        /// The private key the proof connection offers; by default PublicKeyFile without .pub. Here it is
        /// not the login key: -ComputerName logins use -Credential, the agent or ~/.ssh/config.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ValidateCount(1, 1)]
        public override string[]? KeyFile { get; set; }

        /// <summary>Unlocks an encrypted private key for the proof connection.</summary>
        [Parameter]
        public override SecureString? KeyPassphrase { get; set; }

        internal override bool KeyFileLogsIn => false;

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            var publicPath = GetUnresolvedProviderPathFromPSPath(ConnectionSettings.ExpandPath(PublicKeyFile));
            var key = ReadPublicKey(publicPath);
            var privatePath = PrivateKeyPath(publicPath);
            if (!File.Exists(privatePath))
            {
                ThrowSentinelError(new SentinelException(
                    ErrorIds.KeyFileNotFound,
                    ErrorCategory.ObjectNotFound,
                    null,
                    $"The private key '{privatePath}' that would prove the login does not exist; nothing was installed.",
                    "Pass -KeyFile with the private key that matches the public key file."), privatePath);
            }

            var targets = ResolveHosts().Where(target => ShouldProcess(
                $"{target.Settings.UserName}@{target.ComputerName}:{target.Port}",
                $"Add {key.KeyType} key {key.Fingerprint} to {KeyInstaller.DisplayPath}")).ToArray();
            if (targets.Length == 0)
            {
                return;
            }

            ForEachHost(targets, null, async (host, pump) =>
            {
                var session = host.Session;
                var added = await KeyInstaller.AddAsync(host, key, StopToken).ConfigureAwait(false);
                pump.Post(() => WriteVerbose(added
                    ? $"{session.ComputerName}: appended {key.Fingerprint} to {KeyInstaller.DisplayPath} of '{session.UserName}'."
                    : $"{session.ComputerName}: {KeyInstaller.DisplayPath} of '{session.UserName}' already holds {key.Fingerprint}; nothing written."));

                var failure = await KeyInstaller.ProveAsync(session, host.Context.Connector, privatePath, KeyPassphrase, host.Context.Verbose, StopToken).ConfigureAwait(false);
                var result = new KeyInstallResult(session.ComputerName, session.Port, session.UserName, key.KeyType, key.Fingerprint, key.Comment, added ? KeyInstallStatus.Added : KeyInstallStatus.AlreadyPresent, failure == null, failure);
                pump.Post(() =>
                {
                    if (failure != null)
                    {
                        WriteWarning($"{session.ComputerName}: the key is in {KeyInstaller.DisplayPath}, but a fresh connection with '{privatePath}' did not log in: {failure} " +
                            "Check the server's AuthorizedKeysFile and PubkeyAcceptedAlgorithms, and that the private key matches the public one.");
                    }

                    WriteObject(result);
                });
            });
        }

        /// <summary>Reads and checks the public key before anything reaches a host; a bad file ends the cmdlet.</summary>
        private PublicKey ReadPublicKey(string path)
        {
            string text;
            try
            {
                if (Directory.Exists(path) || !File.Exists(path))
                {
                    throw new FileNotFoundException(Directory.Exists(path) ? "it is a folder" : "it does not exist");
                }

                if (new FileInfo(path).Length > PublicKey.MaxFileLength)
                {
                    ThrowSentinelError(KeyErrors.PublicKeyInvalid(path, $"it is larger than {PublicKey.MaxFileLength} bytes"), path);
                }

                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                ThrowSentinelError(new SentinelException(
                    ErrorIds.KeyFileNotFound,
                    ErrorCategory.ObjectNotFound,
                    null,
                    $"Cannot read the public key file '{path}': {e.Message}.",
                    "Check the -PublicKeyFile path (~ is expanded)."), path);
                throw;
            }

            var key = PublicKey.ParseFile(text, out var reason);
            if (key == null)
            {
                ThrowSentinelError(KeyErrors.PublicKeyInvalid(path, reason), path);
            }

            return key!;
        }

        private string PrivateKeyPath(string publicPath)
        {
            if (KeyFile != null)
            {
                return GetUnresolvedProviderPathFromPSPath(ConnectionSettings.ExpandPath(KeyFile[0]));
            }

            if (publicPath.EndsWith(".pub", StringComparison.Ordinal))
            {
                return publicPath.Substring(0, publicPath.Length - ".pub".Length);
            }

            ThrowSentinelError(new SentinelException(
                ErrorIds.InvalidArgument,
                ErrorCategory.InvalidArgument,
                null,
                $"'{publicPath}' does not end in .pub, so Sentinel cannot tell which private key proves the login.",
                "Pass -KeyFile with the matching private key."), publicPath);
            return string.Empty;
        }
    }
}
