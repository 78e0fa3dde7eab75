using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Audit;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Module;
using Sentinel.Pacing;
using Sentinel.Pipeline;
using Sentinel.Transport;

namespace Sentinel.Commands
{
    /// <summary>
    /// Base of every Sentinel cmdlet: one cancellation token that Ctrl+C (StopProcessing) cancels and
    /// every wait observes, the pump that brings background results to the pipeline thread, and the
    /// composition root: the one place a cmdlet gets the SSH transport it hands to the engine.
    /// </summary>
    public abstract class SentinelCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private string? _auditPath;
        /// <summary>The SSH transport the engine types are given: the module's SSH.NET adapter, unless a unit test put a scripted one in SshAdapterLoader.Override.</summary>
        internal static ISshTransport Transport => SshAdapterLoader.Override ?? SshAdapterLoader.Transport;

        /// <summary>ed25519 and bcrypt_pbkdf from the module's SSH adapter.</summary>
        internal static IKeyPrimitives KeyPrimitives => SshAdapterLoader.KeyPrimitives;

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
        protected CancellationToken StopToken => _stopping.Token;

        /// <summary>
        /// Cancels on a pool thread: cancellation runs its callbacks inline, and ending a remote command
        /// can wait for the server, which must not delay Ctrl+C.
        /// </summary>
        protected override void StopProcessing() => ThreadPool.QueueUserWorkItem(_ => Cancel());

        private void Cancel()
        {
            try
            {
                _stopping.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The cmdlet finished meanwhile.
            }
        }

        /// <summary>Releases the stop token.</summary>
        public void Dispose()
        {
            _stopping.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>How long a stop waits for in-flight work to close what it opened before the cmdlet returns.</summary>
        internal static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

        /// <summary>
        /// Runs <paramref name="work"/> off the pipeline thread while this thread writes what it posts.
        /// Returns when the work is done. On Ctrl+C, nothing more is written, posted work is dropped
        /// (its drop handler closes what it held), and PipelineStoppedException follows once the work
        /// ended or <see cref="StopGrace"/> passed.
        /// </summary>
        internal void RunPumped(Func<PipelinePump, Task> work)
        {
            var pump = new PipelinePump();
            RunPumped(pump, () => work(pump));
        }

        /// <summary>As above, on a pump made beforehand (what was posted to it before runs first).</summary>
        internal void RunPumped(PipelinePump pump, Func<Task> work)
        {
            try
            {
                pump.Run(Task.Run(work), StopGrace, StopToken);
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>
        /// Posts the fan-out's done/total to the pipeline as one progress bar named <paramref name="activity"/>,
        /// with how many handshakes run at once and why as its current operation when <paramref name="pacer"/> paces them.
        /// </summary>
        internal Action<int, int> FanOutProgress(PipelinePump pump, string activity, HandshakePacer? pacer = null)
        {
            var id = activity.GetHashCode() & 0x7FFF;
            return (finished, total) =>
            {
                var record = new ProgressRecord(id, activity, $"{finished} of {total} hosts")
                {
                    PercentComplete = finished * 100 / total,
                    RecordType = finished == total ? ProgressRecordType.Completed : ProgressRecordType.Processing,
                    CurrentOperation = pacer?.Status,
                };
                pump.Post(() => WriteProgress(record));
            };
        }

        /// <summary>Reads where the audit log goes ($SentinelAuditLog, else $env:SENTINEL_AUDIT_LOG), in the caller's scope.</summary>
        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            var preference = GetVariableValue(AuditLog.PreferenceVariable);
            var path = (preference == null ? null : PSObject.AsPSObject(preference).BaseObject as string)
                ?? ConnectionSettings.FromEnvironment(AuditLog.EnvironmentVariable);
            if (path == null)
            {
                return;
            }

            _auditPath = GetUnresolvedProviderPathFromPSPath(ConnectionSettings.ExpandPath(path));
            if (AuditLog.TakeNewFailures() is long lost && lost > 0)
            {
                WriteWarning($"{lost} audit record(s) could not be written to the audit log; check that '{_auditPath}' is writable.");
            }
        }

        /// <summary>Where this invocation's commands and decisions are audited (nowhere when no audit log is configured).</summary>
        internal AuditTrail AuditTrail => new AuditTrail(_auditPath, MyInvocation.MyCommand.Name);

        internal void WriteSentinelError(SentinelException error, object? target = null) => WriteError(error.ToErrorRecord(target));

        internal void ThrowSentinelError(SentinelException error, object? target = null) => ThrowTerminatingError(error.ToErrorRecord(target));
    }
}
