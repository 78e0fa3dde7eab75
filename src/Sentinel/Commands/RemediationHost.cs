using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Remediation;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>
    /// One host of Repair- or Watch-SentinelService, with its services: a session the user gave, or a
    /// connection of the cmdlet's own, opened on first use and kept open for its life. A broken
    /// connection is reconnected, and the reconnect must meet the host key the first connect met.
    /// </summary>
    internal sealed class RemediationHost : IWatchTarget
    {
        private readonly SentinelSession? _given;
        private readonly ConnectionSettings? _settings;
        private readonly SemaphoreSlim _opening = new SemaphoreSlim(1);
        private RemediationCmdlet? _cmdlet;
        private Connector? _connector;
        private Remediator? _remediator;
        private PipelinePump? _pump;
        private SentinelSession? _own;

        private RemediationHost(string computerName, SentinelSession? given, ConnectionSettings? settings, IReadOnlyList<string> services)
        {
            ComputerName = computerName;
            _given = given;
            _settings = settings;
            Services = services;
        }

        public static RemediationHost OfSession(SentinelSession session, IReadOnlyList<string> services) => new RemediationHost(session.ComputerName, session, null, services);

        public static RemediationHost ToConnect(ConnectionSettings settings, IReadOnlyList<string> services) => new RemediationHost(settings.ComputerName, null, settings, services);

        public string ComputerName { get; }

        public IReadOnlyList<string> Services { get; }

        /// <summary>Binds the host to the running cmdlet: where commands are audited and messages go.</summary>
        public void Attach(RemediationCmdlet cmdlet, Connector connector, Remediator remediator, PipelinePump pump)
        {
            _cmdlet = cmdlet;
            _connector = connector;
            _remediator = remediator;
            _pump = pump;
        }

        /// <summary>The service controller on a usable connection: the given session, or the host's own, connected or reconnected as needed.</summary>
        public async Task<ServiceController> ControllerAsync(CancellationToken cancellationToken)
        {
            var cmdlet = _cmdlet!;
            var session = _given ?? await OwnSessionAsync(cancellationToken).ConfigureAwait(false);
            var connection = await _connector!.UsableConnectionAsync(session, true, Verbose, cancellationToken).ConfigureAwait(false);
            return new ServiceController(session, request =>
            {
                Verbose($"{session.ComputerName}: {(request.Sudo ? "sudo " : string.Empty)}{request.Command}");
                return cmdlet.RunAuditedAsync(session, connection, request);
            }, cancellationToken, cmdlet.SudoCredential?.Password);
        }

        public async Task<ServiceState> StatusAsync(string service, CancellationToken cancellationToken)
        {
            var controller = await ControllerAsync(cancellationToken).ConfigureAwait(false);
            var manager = await controller.ManagerAsync(_remediator!.Options.Manager).ConfigureAwait(false);
            return (await controller.StatusAsync(manager, service).ConfigureAwait(false)).State;
        }

        public Task<RemediationResult> RepairAsync(string service, CancellationToken cancellationToken) => RepairAsync(service, 0, cancellationToken);

        /// <summary>The remediation path for one service; a host that cannot be reached is that service's Failed result.</summary>
        public async Task<RemediationResult> RepairAsync(string service, int batch, CancellationToken cancellationToken)
        {
            ServiceController controller;
            try
            {
                controller = await ControllerAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SentinelException e)
            {
                return Unreached(service, batch, e);
            }

            return await RepairAsync(controller, service, batch, cancellationToken).ConfigureAwait(false);
        }

        public async Task<RemediationResult> RepairAsync(ServiceController controller, string service, int batch, CancellationToken cancellationToken)
        {
            var result = await _remediator!.RepairAsync(controller, ComputerName, service, batch, cancellationToken).ConfigureAwait(false);
            _cmdlet!.Audit(result);
            return result;
        }

        public RemediationResult Unreached(string service, int batch, SentinelException error) =>
            Recorded(new RemediationResult(ComputerName, service, ServiceState.Unknown, RemediationAction.Failed, ServiceState.Unknown, $"{error.ErrorId.Replace("Sentinel.", string.Empty)}: {error.Message}", string.Empty, DateTime.Now, TimeSpan.Zero, batch));

        public RemediationResult Skipped(string service, string reason) => Skipped(service, 0, reason);

        public RemediationResult Skipped(string service, int batch, string reason) =>
            Recorded(new RemediationResult(ComputerName, service, ServiceState.Unknown, RemediationAction.Skipped, ServiceState.Unknown, "BreakerTripped: " + reason, string.Empty, DateTime.Now, TimeSpan.Zero, batch));

        private RemediationResult Recorded(RemediationResult result)
        {
            _cmdlet!.Audit(result);
            return result;
        }

        /// <summary>The host's own session: connected once, then kept (its connection reconnects inside it).</summary>
        private async Task<SentinelSession> OwnSessionAsync(CancellationToken cancellationToken)
        {
            await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_own != null)
                {
                    return _own;
                }

                var attempt = await _connector!.ConnectAsync(_settings!, Verbose, cancellationToken).ConfigureAwait(false);
                _own = attempt.UnlistedSession(_settings!.KeepAlive);
                return _own;
            }
            finally
            {
                _opening.Release();
            }
        }

        private void Verbose(string line)
        {
            var cmdlet = _cmdlet!;
            _pump!.Post(() => cmdlet.WriteVerbose(line));
        }

        /// <summary>Closes the connection the host opened itself; a given session stays open.</summary>
        public void Close() => _own?.Close();
    }
}
