using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Sentinel.Errors;
using Sentinel.Hosts;
using Sentinel.Inventory;
using Sentinel.Metrics;
using Sentinel.Pipeline;
using Sentinel.Remediation;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>
    /// Shared by Repair- and Watch-SentinelService: which services (-Name, else each server's Services
    /// in the inventory) on the hosts every host cmdlet takes, and the remediation settings both apply
    /// the same way. -Name is the service, as in Get-, Start-, Stop- and Restart-SentinelService.
    /// </summary>
    public abstract class RemediationCmdlet : HostCmdlet
    {
        /// <summary>The services; without it, each host's services from the inventory.</summary>
        [Parameter(Position = 0)]
        [Alias("Service")]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>Run the service's configuration test first, when Sentinel knows one, and refuse to act when it fails (on by default; -TestConfig:$false skips it).</summary>
        [Parameter]
        public SwitchParameter TestConfig { get; set; } = true;

        /// <summary>Seconds a started service must stay Running to count as repaired.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int SettleSeconds { get; set; } = 5;

        /// <summary>Seconds the start or restart may take to reach Running.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int Timeout { get; set; } = 30;

        /// <summary>Starts and restarts allowed per service and host within -RestartBudgetMinutes.</summary>
        [Parameter]
        [ValidateRange(0, 1000)]
        public int RestartBudget { get; set; } = 3;

        /// <summary>The window of the restart budget, in minutes.</summary>
        [Parameter]
        [ValidateRange(0.01, 527040)]
        public double RestartBudgetMinutes { get; set; } = 30;

        /// <summary>Failed hosts (a count, or a percentage of the hosts: 10%) that trip the breaker.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string MaxFailure { get; set; } = "1";

        /// <summary>Ignore the restart budget (the restarts are still counted).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Run systemctl reset-failed on a failed unit before starting it (clearing systemd's start limit), only when the restart budget allows the start.</summary>
        [Parameter]
        public SwitchParameter ResetFailed { get; set; }

        /// <summary>The password sudo asks for, when it asks; without it, the session's login password (none for a key login).</summary>
        [Parameter]
        [Credential]
        public PSCredential? SudoCredential { get; set; }

        /// <summary>The init system to use; without it, detected once per session.</summary>
        [Parameter]
        public ServiceManager? Manager { get; set; }

        /// <summary>
        /// A file to write the results to in the Prometheus text format (name it *.prom in node_exporter's
        /// --collector.textfile.directory), replaced whole each time; one file per runner or shard.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MetricsPath { get; set; }

        /// <summary>-MetricsPath as a file-system path; null without it.</summary>
        internal string? MetricsFile => MetricsPath == null ? null : GetUnresolvedProviderPathFromPSPath(MetricsPath);

        /// <summary>Adds what the restart budget has left for each service to <paramref name="metrics"/>; a budget file that cannot be read leaves them out.</summary>
        internal static void AddBudgets(ServiceMetrics metrics, Remediator remediator)
        {
            foreach (var (host, service) in metrics.Services())
            {
                try
                {
                    var status = remediator.Budget.Check(host, service);
                    metrics.BudgetRemaining(host, service, status.Limit - status.Used);
                }
                catch (SentinelException)
                {
                    return; // the damaged file is the next repair's error, with its own message
                }
            }
        }

        /// <summary>The hosts with their services; a host with no service to work on is an error of its own.</summary>
        internal List<RemediationHost> CollectHosts(PipelinePump pump, Remediator remediator)
        {
            var names = Name == null ? null : ValidNames(Name, ServiceName.IsValid, ServiceErrors.InvalidName);
            if (names != null && names.Length == 0)
            {
                return new List<RemediationHost>();
            }

            var context = NewHostContext(pump, SudoCredential?.Password);
            var hosts = new List<RemediationHost>();
            foreach (var target in ResolveHosts())
            {
                var services = names ?? (target.Entry != null ? target.Entry.Services.ToArray() : InventoryServices(target.ComputerName, target.Port));
                if (services.Length == 0)
                {
                    WriteSentinelError(RemediationErrors.NoServices(target.ComputerName), target.ComputerName);
                    continue;
                }

                hosts.Add(new RemediationHost(new RemoteHost(target, context), services, remediator));
            }

            return hosts;
        }

        /// <summary>Services the inventory lists for a host named directly (a session's host, a -ComputerName).</summary>
        private static string[] InventoryServices(string computerName, int port)
        {
            List<ServerEntry> inventory;
            try
            {
                inventory = ServerInventory.Load(ServerInventory.DefaultPath);
            }
            catch (SentinelException)
            {
                return Array.Empty<string>(); // the host is reported as having no services; the file's own error shows elsewhere
            }

            return inventory
                .Where(e => string.Equals(e.Name, computerName, StringComparison.OrdinalIgnoreCase)
                    || (string.Equals(e.ComputerName, computerName, StringComparison.OrdinalIgnoreCase) && (e.Port == null || e.Port == port)))
                .SelectMany(e => e.Services)
                .Distinct(StringComparer.Ordinal)
                .ToArray();
        }

        /// <summary>The budget file beside the inventory, read once now: a damaged one stops the cmdlet before anything is touched.</summary>
        internal Remediator NewRemediator()
        {
            var budget = new RestartBudget(Remediation.RestartBudget.PathBeside(ServerInventory.DefaultPath), RestartBudget, TimeSpan.FromMinutes(RestartBudgetMinutes), SystemClock.Instance);
            try
            {
                budget.Validate();
            }
            catch (SentinelException e)
            {
                ThrowSentinelError(e);
            }

            return new Remediator(budget, new RemediationOptions
            {
                TestConfig = TestConfig,
                Settle = TimeSpan.FromSeconds(SettleSeconds),
                Timeout = TimeSpan.FromSeconds(Timeout),
                Force = Force,
                ResetFailed = ResetFailed,
                Manager = Manager,
            }, SystemClock.Instance);
        }

        /// <summary>-MaxFailure of <paramref name="hosts"/>, or a terminating InvalidArgument.</summary>
        internal CircuitBreaker NewBreaker(int hosts) => new CircuitBreaker(Portion(MaxFailure, nameof(MaxFailure)).Of(hosts));

        internal Portion Portion(string text, string parameter)
        {
            try
            {
                return Remediation.Portion.Parse(text, parameter);
            }
            catch (SentinelException e)
            {
                ThrowSentinelError(e, text);
                throw;
            }
        }

        internal static void CloseAll(IEnumerable<RemediationHost> hosts)
        {
            foreach (var host in hosts)
            {
                host.Close();
            }
        }
    }
}
