using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Hosts;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Remediation
{
    /// <summary>
    /// One host of Repair- or Watch-SentinelService, with its services. Its <see cref="RemoteHost"/>
    /// keeps one connection for the host's whole life (the session given, or its own, reconnected when
    /// broken to the host key first met), and every decision is audited.
    /// </summary>
    internal sealed class RemediationHost : IWatchTarget
    {
        private readonly RemoteHost _host;
        private readonly Remediator _remediator;

        public RemediationHost(RemoteHost host, IReadOnlyList<string> services, Remediator remediator)
        {
            _host = host;
            Services = services;
            _remediator = remediator;
        }

        public string ComputerName => _host.ComputerName;

        public IReadOnlyList<string> Services { get; }

        /// <summary>The service controller on a usable connection, connected or reconnected as needed.</summary>
        public async Task<ServiceController> ControllerAsync(CancellationToken cancellationToken)
        {
            await _host.OpenAsync(cancellationToken).ConfigureAwait(false);
            return new ServiceController(_host, cancellationToken);
        }

        public async Task<ServiceState> StatusAsync(string service, CancellationToken cancellationToken)
        {
            var controller = await ControllerAsync(cancellationToken).ConfigureAwait(false);
            var manager = await controller.ManagerAsync(_remediator.Options.Manager).ConfigureAwait(false);
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

        public async Task<RemediationResult> RepairAsync(ServiceController controller, string service, int batch, CancellationToken cancellationToken) =>
            Recorded(await _remediator.RepairAsync(controller, ComputerName, service, batch, cancellationToken).ConfigureAwait(false));

        public RemediationResult Unreached(string service, int batch, SentinelException error) =>
            Recorded(new RemediationResult(ComputerName, service, ServiceState.Unknown, RemediationAction.Failed, ServiceState.Unknown, $"{error.ErrorId.Replace("Sentinel.", string.Empty)}: {error.Message}", string.Empty, DateTime.Now, TimeSpan.Zero, batch));

        public RemediationResult Skipped(string service, string reason) => Skipped(service, 0, reason);

        public RemediationResult Skipped(string service, int batch, string reason) =>
            Recorded(new RemediationResult(ComputerName, service, ServiceState.Unknown, RemediationAction.Skipped, ServiceState.Unknown, "BreakerTripped: " + reason, string.Empty, DateTime.Now, TimeSpan.Zero, batch));

        private RemediationResult Recorded(RemediationResult result)
        {
            _host.Context.Audit.Remediation(result);
            return result;
        }

        /// <summary>Closes the connection the host opened itself; a given session stays open.</summary>
        public void Close() => _host.Close();
    }
}
