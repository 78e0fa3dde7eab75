using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Audit;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Module;
using Sentinel.Results;
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
        private ISshTransport? _transport;
        private IKeyPrimitives? _keyPrimitives;

        /// <summary>The SSH transport the engine types are given: the module's SSH.NET adapter unless set (tests set a fake).</summary>
        internal ISshTransport Transport
        {
            get => _transport ??= SshAdapterLoader.Transport;
            set => _transport = value;
        }

        /// <summary>ed25519 and bcrypt_pbkdf from the module's SSH adapter unless set (tests may set their own).</summary>
        internal IKeyPrimitives KeyPrimitives
        {
            get => _keyPrimitives ??= SshAdapterLoader.KeyPrimitives;
            set => _keyPrimitives = value;
        }

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

        public void Dispose() => _stopping.Dispose();

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
            try
            {
                pump.Run(Task.Run(() => work(pump)), StopToken, StopGrace);
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Reads where the audit log goes ($SentinelAuditLog, else $env:SENTINEL_AUDIT_LOG), in the caller's scope.</summary>
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

        /// <summary>Appends the command's record to the audit log, when one is configured; never blocks.</summary>
        internal void Audit(SentinelSession session, CommandRequest request, DateTime started, CommandResult? result, string outcome)
        {
            if (_auditPath != null)
            {
                AuditLog.Record(_auditPath, AuditRecord.Of(session, request, started, result, outcome));
            }
        }

        /// <summary>Appends a remediation decision to the audit log, when one is configured.</summary>
        internal void Audit(RemediationResult result)
        {
            if (_auditPath != null)
            {
                AuditLog.Record(_auditPath, new RemediationAuditRecord(result, MyInvocation.MyCommand.Name));
            }
        }

        /// <summary>Runs one command of a cmdlet's own (a status, an action, a log) and writes it to the audit log, as Invoke-SentinelCommand's are.</summary>
        /// <param name="cancellationToken">What ends the command; the cmdlet's stop unless a step must not be cut short by it.</param>
        internal async Task<CommandResult> RunAuditedAsync(SentinelSession session, LiveConnection connection, CommandRequest request, CancellationToken? cancellationToken = null)
        {
            var started = DateTime.Now;
            var outcome = "stopped";
            CommandResult? result = null;
            try
            {
                result = await CommandRunner.RunAsync(session, connection, request, cancellationToken ?? StopToken).ConfigureAwait(false);
                outcome = "completed";
                return result;
            }
            catch (SentinelException e)
            {
                outcome = e.ErrorId;
                throw;
            }
            finally
            {
                Audit(session, request, started, result, outcome);
            }
        }

        /// <summary>The session for a command given none: the newest open one, else a terminating NoSession error.</summary>
        internal SentinelSession MostRecentOpenSession()
        {
            var session = SessionStore.Current.MostRecentOpen();
            if (session == null)
            {
                ThrowSentinelError(SessionErrors.NoneOpen());
            }

            return session!;
        }

        internal void WriteSentinelError(SentinelException error, object? target = null) => WriteError(error.ToErrorRecord(target));

        internal void ThrowSentinelError(SentinelException error, object? target = null) => ThrowTerminatingError(error.ToErrorRecord(target));
    }
}
