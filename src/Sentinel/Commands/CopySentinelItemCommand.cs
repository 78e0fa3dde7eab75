using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Completion;
using Sentinel.Errors;
using Sentinel.Files;
using Sentinel.Hosts;
using Sentinel.Pipeline;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Commands
{
    /// <summary>
    /// Copies files to hosts (-Session, alias -ToSession, or hosts named with -ComputerName, -ServerName
    /// (alias -Name) or -Tag) or from a session (-FromSession) over SFTP on the session's own connection: atomically (temporary name,
    /// SHA-256 checked on the host, one rename), Unchanged when the bytes are already there, with sudo,
    /// backups and a validation command for the uploaded file before it replaces anything.
    /// </summary>
    [Cmdlet(VerbsCommon.Copy, "SentinelItem", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true)]
    [OutputType(typeof(FileCopyResult))]
    public sealed class CopySentinelItemCommand : HostCmdlet
    {
        private const string FromSessionSet = "FromSession";
        private const string Activity = "Copy-SentinelItem";
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

        /// <summary>What to copy: local paths for uploads, remote paths for -FromSession; wildcards expand on that side.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Where to copy to: a remote path for uploads, a local one for -FromSession.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = string.Empty;

        /// <summary>Sessions to copy to (they can come down the pipeline); without any host parameter, the most recently opened session that is still open.</summary>
        [Parameter(ParameterSetName = SessionSet, ValueFromPipeline = true), Alias("ToSession"), ValidateNotNull, ArgumentCompleter(typeof(SessionCompleter))]
        public override SentinelSession[]? Session { get; set; }

        /// <summary>Inventory servers by name (wildcards allowed); piped Get-SentinelServer output binds here.</summary>
        [Parameter(ParameterSetName = ServerNameSet, Mandatory = true, ValueFromPipelineByPropertyName = true), Alias("Name"), SupportsWildcards, ValidateNotNullOrEmpty, ArgumentCompleter(typeof(ServerNameCompleter))]
        public override string[]? ServerName { get; set; }

        /// <summary>The session to copy from.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FromSessionSet)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(SessionCompleter))]
        public SentinelSession? FromSession { get; set; }

        /// <summary>Copy directories with everything under them.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Replace a destination file whose content differs; without it that is a Sentinel.FileExists error.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Keep the replaced file beside it as &lt;destination&gt;.&lt;UTC timestamp&gt;.bak.</summary>
        [Parameter]
        public SwitchParameter Backup { get; set; }

        /// <summary>Put uploaded files in place under sudo (install, then mv), for destinations the login user cannot write.</summary>
        [Parameter(ParameterSetName = SessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        public SwitchParameter Sudo { get; set; }

        /// <summary>The password sudo asks for; without it, the session's login password.</summary>
        [Parameter(ParameterSetName = SessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [Credential]
        public PSCredential? SudoCredential { get; set; }

        /// <summary>Permission bits for the uploaded files, in octal (0644); without it a replaced file's mode is kept.</summary>
        [Parameter(ParameterSetName = SessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidatePattern("^[0-7]{3,4}$")]
        public string? Mode { get; set; }

        /// <summary>Owner of the uploaded files (a name or a numeric id); without it a replaced file's owner is kept.</summary>
        [Parameter(ParameterSetName = SessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidatePattern(@"^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?\z")]
        public string? Owner { get; set; }

        /// <summary>Group of the uploaded files (a name or a numeric id); without it a replaced file's group is kept.</summary>
        [Parameter(ParameterSetName = SessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidatePattern(@"^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?\z")]
        public string? Group { get; set; }

        /// <summary>A command run on the uploaded temporary file, {} standing for its quoted path; the destination is replaced only when it exits 0.</summary>
        [Parameter(ParameterSetName = SessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = ServerNameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? Validate { get; set; }

        /// <summary>Seconds the whole copy may take on each host (listing, transfer, hashing, -Validate, placing); 0, the default, sets no limit, though each remote command of the copy still ends within 10 minutes.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Timeout { get; set; }

        /// <inheritdoc/>

        protected override void EndProcessing()
        {
            if (Validate != null && Validate.IndexOf("{}", StringComparison.Ordinal) < 0)
            {
                ThrowSentinelError(FileErrors.InvalidValidate(Validate));
            }

            if (ParameterSetName == FromSessionSet)
            {
                var destination = GetUnresolvedProviderPathFromPSPath(Destination);
                var patterns = Path.Select(RemoteFromHome).ToArray();
                CopyOnHosts(new[] { HostTarget.OfSession(FromSession!) }, context => FileDownloader.RunAsync(context, patterns, destination));
                return;
            }

            var sources = LocalItems();
            if (sources.Count == 0)
            {
                return;
            }

            var remoteDestination = RemoteFromHome(Destination);
            CopyOnHosts(ResolveHosts(), context => FileUploader.RunAsync(context, sources, remoteDestination));
        }

        /// <summary>Runs <paramref name="copy"/> on each host, at most -ThrottleLimit at once, each within -Timeout.</summary>
        private void CopyOnHosts(IReadOnlyList<HostTarget> targets, Func<CopyContext, Task> copy)
        {
            RunPumped(pump =>
            {
                var context = NewHostContext(pump, SudoCredential?.Password);
                return FanOut.RunAsync(targets, ThrottleLimit, FanOutProgress(pump, Activity, context.Connector.Pacer), async target =>
                {
                    var host = new RemoteHost(target, context);
                    try
                    {
                        await CopyOnHostAsync(host, pump, IndexOf(targets, target), targets.Count > 1, copy).ConfigureAwait(false);
                    }
                    finally
                    {
                        host.Close();
                    }
                }, StopToken);
            });
        }

        private static int IndexOf(IReadOnlyList<HostTarget> targets, HostTarget target)
        {
            for (var index = 0; index < targets.Count; index++)
            {
                if (targets[index] == target)
                {
                    return index;
                }
            }

            return -1;
        }

        /// <summary>The local -Path items, wildcards expanded by PowerShell; a path that names nothing is an error here.</summary>
        private List<CopySource> LocalItems()
        {
            var sources = new List<CopySource>();
            foreach (var path in Path)
            {
                try
                {
                    foreach (var resolved in GetResolvedProviderPathFromPSPath(path, out var provider))
                    {
                        if (provider.Name != "FileSystem")
                        {
                            ThrowSentinelError(FileErrors.CopyFailed("this machine", path, $"it is on the {provider.Name} drive; Copy-SentinelItem copies files"));
                        }

                        sources.Add(LocalSources.Describe(resolved, Recurse));
                    }
                }
                catch (ItemNotFoundException)
                {
                    WriteSentinelError(FileErrors.NotFound(null, path), path);
                }
            }

            return sources;
        }

        /// <summary>SFTP and quoted shell words do not expand ~: a path under the home directory is given relative to it (where both start).</summary>
        private static string RemoteFromHome(string path) =>
            path == "~" ? "." : path.StartsWith("~/", StringComparison.Ordinal) ? path.Substring(2) : path;

        private async Task CopyOnHostAsync(RemoteHost host, PipelinePump pump, int index, bool fanOut, Func<CopyContext, Task> copy)
        {
            var progress = new HostProgress(this, pump, host.ComputerName, index, fanOut);
            var limit = Timeout > 0 ? TimeSpan.FromSeconds(Timeout) : (TimeSpan?)null;
            using (var withinLimit = CancellationTokenSource.CreateLinkedTokenSource(StopToken))
            {
                if (limit.HasValue)
                {
                    withinLimit.CancelAfter(limit.Value);
                }

                try
                {
                    IFileTransfer transfer;
                    try
                    {
                        // The SFTP channel counts against the server's channel budget like a command's.
                        transfer = await host.OpenFileTransferAsync(withinLimit.Token).ConfigureAwait(false);
                    }
                    catch (FileTransferException e)
                    {
                        throw FileErrors.CopyFailed(host.ComputerName, Destination, "could not open SFTP: " + e.Message, inner: e);
                    }

                    using (transfer)
                    {
                        var context = new CopyContext(host, transfer, Options(limit), withinLimit.Token)
                        {
                            Confirm = (target, action) => ConfirmAsync(pump, target, action),
                            Emit = result => pump.Post(() => WriteObject(result)),
                            Fail = error => pump.Post(() => WriteSentinelError(error)),
                            Verbose = line => pump.Post(() => WriteVerbose(line)),
                            Warn = line => pump.Post(() => WriteWarning(line)),
                            Progress = progress.Report,
                        };
                        await copy(context).ConfigureAwait(false);
                    }
                }
                catch (SentinelException e)
                {
                    pump.Post(() => WriteSentinelError(e));
                }
                catch (OperationCanceledException) when (withinLimit.IsCancellationRequested && !StopToken.IsCancellationRequested)
                {
                    pump.Post(() => WriteSentinelError(FileErrors.Timeout(host.ComputerName, Destination, limit!.Value)));
                }
                finally
                {
                    progress.Complete();
                }
            }
        }

        private CopyOptions Options(TimeSpan? limit) => new CopyOptions
        {
            Recurse = Recurse,
            Force = Force,
            Backup = Backup,
            Sudo = Sudo,
            CommandTimeout = limit.HasValue && limit.Value < CopyOptions.DefaultCommandTimeout ? limit.Value : CopyOptions.DefaultCommandTimeout,
            Validate = Validate,
            Mode = Mode != null ? Convert.ToInt32(Mode, 8) : (int?)null,
            Owner = Owner,
            Group = Group,
        };

        /// <summary>ShouldProcess for one file and host, asked on the pipeline thread once the copy knows what it would change.</summary>
        private async Task<bool> ConfirmAsync(PipelinePump pump, string target, string action)
        {
            var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            pump.Post(
                () =>
                {
                    try
                    {
                        answer.TrySetResult(ShouldProcess(target, action));
                    }
                    catch
                    {
                        answer.TrySetCanceled();
                        throw;
                    }
                },
                () => answer.TrySetCanceled());
            using (StopToken.Register(() => answer.TrySetCanceled()))
            {
                return await answer.Task.ConfigureAwait(false);
            }
        }

        /// <summary>One host's progress bar: bytes and rate, under the fan-out's bar when there are several hosts.</summary>
        private sealed class HostProgress
        {
            private readonly CopySentinelItemCommand _cmdlet;
            private readonly PipelinePump _pump;
            private readonly ProgressRecord _record;
            private readonly Stopwatch _clock = Stopwatch.StartNew();
            private TimeSpan _last;
            private bool _shown;

            public HostProgress(CopySentinelItemCommand cmdlet, PipelinePump pump, string computerName, int index, bool fanOut)
            {
                _cmdlet = cmdlet;
                _pump = pump;
                var parent = Activity.GetHashCode() & 0x7FFF;
                _record = new ProgressRecord((parent + 1 + index) & 0x7FFF, $"{Activity}: {computerName}", "starting")
                {
                    ParentActivityId = fanOut ? parent : -1,
                };
            }

            /// <param name="total">Bytes in all; negative when not known.</param>
            public void Report(string file, long done, long total)
            {
                var now = _clock.Elapsed;
                lock (_record)
                {
                    if (_shown && now - _last < ProgressInterval && done != total)
                    {
                        return;
                    }

                    _last = now;
                    _shown = true;
                    var rate = now.TotalSeconds > 0 ? done / now.TotalSeconds : 0;
                    _record.CurrentOperation = file;
                    _record.StatusDescription = total >= 0
                        ? $"{Size(done)} of {Size(total)}, {Size((long)rate)}/s"
                        : $"{Size(done)}, {Size((long)rate)}/s";
                    _record.PercentComplete = total > 0 ? (int)Math.Min(100, done * 100 / total) : -1;
                    var snapshot = Copy(_record);
                    _pump.Post(() => _cmdlet.WriteProgress(snapshot));
                }
            }

            public void Complete()
            {
                lock (_record)
                {
                    if (!_shown)
                    {
                        return;
                    }

                    var done = Copy(_record);
                    done.RecordType = ProgressRecordType.Completed;
                    _pump.Post(() => _cmdlet.WriteProgress(done));
                }
            }

            private static ProgressRecord Copy(ProgressRecord record) => new ProgressRecord(record.ActivityId, record.Activity, record.StatusDescription)
            {
                ParentActivityId = record.ParentActivityId,
                CurrentOperation = record.CurrentOperation,
                PercentComplete = record.PercentComplete,
            };

            private static string Size(long bytes) => bytes >= 1 << 20
                ? (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB"
                : (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB";
        }
    }
}
