using System;
using System.Diagnostics.CodeAnalysis;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Hosts
{
    /// <summary>
    /// One host a cmdlet works on. It leases a connection: the session the user gave (reconnected once
    /// when broken and allowed), or a connection of its own, opened on first use and closed by
    /// <see cref="Close"/>, whose reconnects must meet the host key the first connect met. It runs
    /// commands audited and narrated, and owns the sudo-password rule.
    /// </summary>
    [SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "A SemaphoreSlim needs disposing only once its AvailableWaitHandle has been read, which never happens here.")]
    internal sealed class RemoteHost : IRemoteHost
    {
        private readonly HostTarget _target;
        private readonly HostContext _context;
        private readonly SemaphoreSlim _opening = new SemaphoreSlim(1);
        private SentinelSession? _own;

        public RemoteHost(HostTarget target, HostContext context)
        {
            _target = target;
            _context = context;
        }

        public string ComputerName => _target.ComputerName;

        public HostTarget Target => _target;

        public SentinelSession Session => _target.Session ?? _own ?? throw new InvalidOperationException($"{ComputerName} is not open yet.");

        public SecureString? SudoPassword => _context.SudoPassword ?? Session.Settings.Password;

        public HostContext Context => _context;

        /// <summary>Connects, when the host has no session yet, and returns a usable connection; a failure is the host's SentinelException.</summary>
        public async Task<LiveConnection> OpenAsync(CancellationToken cancellationToken)
        {
            var session = _target.Session ?? await OwnSessionAsync(cancellationToken).ConfigureAwait(false);
            var reconnect = _target.Session == null || _context.ReconnectSessions;
            return await _context.Connector.UsableConnectionAsync(session, reconnect, _context.Verbose, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Opens SFTP on the host's connection, within its channel budget: it gives its channel up while
        /// the copy runs a command on a server that allows one channel at a time.
        /// </summary>
        public async Task<IFileTransfer> OpenFileTransferAsync(CancellationToken cancellationToken)
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            return await YieldingFileTransfer.OpenAsync(Session, connection, FreshConnectionAsync, cancellationToken).ConfigureAwait(false);
        }

        public async Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken)
        {
            var started = DateTime.Now;
            var outcome = "stopped";
            CommandResult? result = null;
            SentinelSession? session = _target.Session ?? _own;
            try
            {
                var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
                session = Session;
                if (request.Sudo && request.SudoPassword == null)
                {
                    request.SudoPassword = SudoPassword;
                }

                _context.Verbose($"{ComputerName}: {(request.Sudo ? "sudo " : string.Empty)}{request.Command}");
                result = await CommandRunner.RunAsync(session, connection, request, FreshConnectionAsync, cancellationToken).ConfigureAwait(false);
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
                // A host never reached has no session to name in the record; its error says it all.
                if (session != null)
                {
                    _context.Audit.Command(session, request, started, result, outcome);
                }
            }
        }

        /// <summary>A connection of one operation's own, same host key as the session's, for a server that closes the connection after one channel.</summary>
        private Task<LiveConnection> FreshConnectionAsync(CancellationToken cancellationToken) =>
            _context.Connector.FreshConnectionAsync(Session, _context.Verbose, cancellationToken);

        /// <summary>Closes the connection the host opened itself; a session the user gave stays open.</summary>
        public void Close() => _own?.Close();

        private async Task<SentinelSession> OwnSessionAsync(CancellationToken cancellationToken)
        {
            await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_own == null)
                {
                    var attempt = await _context.Connector.ConnectAsync(_target.Settings, _context.Verbose, cancellationToken).ConfigureAwait(false);
                    _own = attempt.UnlistedSession(_target.Settings.KeepAlive);
                }

                return _own;
            }
            finally
            {
                _opening.Release();
            }
        }
    }
}
