using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Files;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Commands
{
    /// <summary>
    /// Copies files to sessions (-ToSession, or hosts named with -ComputerName/-Name/-Tag) or from a
    /// session (-FromSession) over SFTP on the session's own connection: atomically (temporary name,
    /// SHA-256 checked on the host, one rename), Unchanged when the bytes are already there, with sudo,
    /// backups and a validation command for the uploaded file before it replaces anything.
    /// </summary>
    [Cmdlet(VerbsCommon.Copy, "SentinelItem", DefaultParameterSetName = ToSessionSet, SupportsShouldProcess = true)]
    [OutputType(typeof(FileCopyResult))]
    public sealed class CopySentinelItemCommand : ConnectionCmdlet
    {
        private const string ToSessionSet = "ToSession";
        private const string FromSessionSet = "FromSession";
        private const string Activity = "Copy-SentinelItem";
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);


        /// <summary>What to copy: local paths for uploads, remote paths for -FromSession; wildcards expand on that side.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = new string[0];

        /// <summary>Where to copy to: a remote path for uploads, a local one for -FromSession.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = string.Empty;

        /// <summary>Sessions to copy to; they can come down the pipeline.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ToSessionSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(SessionCompleter))]
        public SentinelSession[]? ToSession { get; set; }

        /// <summary>The session to copy from.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FromSessionSet)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(SessionCompleter))]
        public SentinelSession? FromSession { get; set; }

        /// <summary>Hosts to copy to, each with a connection opened for this copy and closed after it.</summary>
        [Parameter(ParameterSetName = ComputerNameSet, Mandatory = true)]
        [Alias("HostName", "Host")]
        [ValidateNotNullOrEmpty]
        public override string[]? ComputerName { get; set; }

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
        [Parameter(ParameterSetName = ToSessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        public SwitchParameter Sudo { get; set; }

        /// <summary>The password sudo asks for; without it, the session's login password.</summary>
        [Parameter(ParameterSetName = ToSessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [Credential]
        public PSCredential? SudoCredential { get; set; }

        /// <summary>Permission bits for the uploaded files, in octal (0644); without it a replaced file's mode is kept.</summary>
        [Parameter(ParameterSetName = ToSessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidatePattern("^[0-7]{3,4}$")]
        public string? Mode { get; set; }

        /// <summary>Owner of the uploaded files (a name or a numeric id); without it a replaced file's owner is kept.</summary>
        [Parameter(ParameterSetName = ToSessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidatePattern(@"^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?\z")]
        public string? Owner { get; set; }

        /// <summary>Group of the uploaded files (a name or a numeric id); without it a replaced file's group is kept.</summary>
        [Parameter(ParameterSetName = ToSessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidatePattern(@"^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?\z")]
        public string? Group { get; set; }

        /// <summary>A command run on the uploaded temporary file, {} standing for its quoted path; the destination is replaced only when it exits 0.</summary>
        [Parameter(ParameterSetName = ToSessionSet)]
        [Parameter(ParameterSetName = ComputerNameSet)]
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = TagSet)]
        [ValidateNotNullOrEmpty]
        public string? Validate { get; set; }

        protected override void ProcessRecord()
        {
            GatherPiped(ToSession);
        }

        protected override void EndProcessing()
        {
            if (Validate != null && Validate.IndexOf("{}", StringComparison.Ordinal) < 0)
            {
                ThrowSentinelError(FileErrors.InvalidValidate(Validate));
            }

            var connector = new Connector(Transport);
            if (ParameterSetName == FromSessionSet)
            {
                var destination = GetUnresolvedProviderPathFromPSPath(Destination);
                var patterns = Path.Select(RemoteFromHome).ToArray();
                RunPumped(pump => CopyOnSessionAsync(FromSession!, connector, pump, 0, false, context => FileDownloader.RunAsync(context, patterns, destination)));
                return;
            }

            var sources = LocalItems();
            if (sources.Count == 0)
            {
                return;
            }

            var remoteDestination = RemoteFromHome(Destination);
            Func<CopyContext, Task> upload = context => FileUploader.RunAsync(context, sources, remoteDestination);
            if (ParameterSetName == ToSessionSet)
            {
                var sessions = PipedSessions.ToList();
                RunPumped(pump => FanOut.RunAsync(sessions, ThrottleLimit, pump, this, Activity, session =>
                    CopyOnSessionAsync(session, connector, pump, sessions.IndexOf(session), sessions.Count > 1, upload), StopToken));
                return;
            }

            UsePipedNames();

            var targets = ResolveTargets();
            RunPumped(pump => FanOut.RunAsync(targets, ThrottleLimit, pump, this, Activity, async settings =>
            {
                var attempt = await connector.ConnectAsync(settings, line => pump.Post(() => WriteVerbose(line)), StopToken).ConfigureAwait(false);
                if (attempt.Connection == null)
                {
                    pump.Post(() => WriteSentinelError(attempt.Error!));
                    return;
                }

                var session = attempt.UnlistedSession(settings.KeepAlive);
                try
                {
                    await CopyOnSessionAsync(session, connector, pump, targets.IndexOf(settings), targets.Count > 1, upload).ConfigureAwait(false);
                }
                finally
                {
                    session.Close();
                }
            }, StopToken));
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

        private async Task CopyOnSessionAsync(SentinelSession session, Connector connector, PipelinePump pump, int index, bool fanOut, Func<CopyContext, Task> copy)
        {
            var progress = new HostProgress(this, pump, session.ComputerName, index, fanOut);
            try
            {
                var connection = await connector.UsableConnectionAsync(session, true, line => pump.Post(() => WriteVerbose(line)), StopToken).ConfigureAwait(false);

                // The SFTP channel counts against the server's MaxSessions like a command's.
                await connection.ChannelSlots.WaitAsync(StopToken).ConfigureAwait(false);
                try
                {
                    IFileTransfer transfer;
                    try
                    {
                        transfer = connection.Connection.OpenFileTransfer();
                    }
                    catch (FileTransferException e)
                    {
                        throw FileErrors.CopyFailed(session.ComputerName, Destination, "could not open SFTP: " + e.Message, inner: e);
                    }

                    using (transfer)
                    {
                        var context = new CopyContext(session, transfer, Options(session), (request, token) => RunAuditedAsync(session, connection, request, token), StopToken)
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
                finally
                {
                    connection.ChannelSlots.Release();
                }
            }
            catch (SentinelException e)
            {
                pump.Post(() => WriteSentinelError(e));
            }
            finally
            {
                progress.Complete();
            }
        }

        private CopyOptions Options(SentinelSession session) => new CopyOptions
        {
            Recurse = Recurse,
            Force = Force,
            Backup = Backup,
            Sudo = Sudo,
            SudoPassword = SudoCredential?.Password ?? session.Settings.Password,
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
