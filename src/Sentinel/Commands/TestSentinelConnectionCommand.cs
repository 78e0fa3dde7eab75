using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Hosts;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Commands
{
    /// <summary>
    /// Checks a connection one step at a time (TCP, SSH handshake and host key, authentication, a
    /// command, services) and says which step failed and what to check.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "SentinelConnection", DefaultParameterSetName = ComputerNameSet)]
    [OutputType(typeof(ConnectionTestResult), typeof(bool))]
    public sealed class TestSentinelConnectionCommand : HostCmdlet
    {

        /// <summary>Hosts to test; ~/.ssh/config aliases work as with ssh. Default: $env:SSH_HOST, else localhost.
        /// Not bound from the pipeline: piped inventory entries bind -ServerName, so their port, user and keys apply.</summary>
        [Parameter(ParameterSetName = ComputerNameSet, Position = 0)]
        [Alias("HostName", "Host")]
        [ValidateNotNullOrEmpty]
        public override string[]? ComputerName { get; set; }

        /// <summary>Inventory servers by name (wildcards allowed); piped Get-SentinelServer output binds here.</summary>
        [Parameter(ParameterSetName = ServerNameSet, Mandatory = true, ValueFromPipelineByPropertyName = true), Alias("Name"), SupportsWildcards, ValidateNotNullOrEmpty, ArgumentCompleter(typeof(ServerNameCompleter))]
        public override string[]? ServerName { get; set; }

        /// <summary>Services whose status (`service NAME status` exit code) to check after logging in.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Service { get; set; }

        /// <summary>Return only $true or $false per host.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>For a session, the path its connection takes is tested afresh with its settings; the session itself is left alone.</summary>
        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            // A name is checked before any host is contacted: it goes into a command line.
            foreach (var service in Service ?? Array.Empty<string>())
            {
                if (!ServiceName.IsValid(service))
                {
                    ThrowSentinelError(ServiceErrors.InvalidName(service), service);
                }
            }

            var targets = ResolveHosts().Select(target => target.Settings).ToList();
            RunPumped(pump =>
            {
                var connector = PacedConnector(pump);
                return FanOut.RunAsync(targets, ThrottleLimit, FanOutProgress(pump, "Test-SentinelConnection", connector.Pacer), async settings =>
                {
                    var steps = await TestAsync(connector, settings, line => pump.Post(() => WriteVerbose(line))).ConfigureAwait(false);
                    var result = new ConnectionTestResult(settings.ComputerName, settings.Port, settings.UserName, steps);
                    pump.Post(() => WriteObject(Quiet ? (object)result.Passed : result));
                }, StopToken);
            });
        }

        private async Task<List<ConnectionTestStep>> TestAsync(Connector connector, ConnectionSettings settings, Action<string> log)
        {
            var steps = new List<ConnectionTestStep>();

            // Behind jump hosts, the first hop is the one this machine must reach over TCP.
            if (!await TestTcpAsync((settings.JumpHosts.Count > 0 ? settings.JumpHosts[0] : settings), steps).ConfigureAwait(false))
            {
                return steps;
            }

            var attempt = await connector.ConnectAsync(settings, log, StopToken).ConfigureAwait(false);
            if (!RecordConnectSteps(attempt, steps))
            {
                return steps;
            }

            // A session of its own for the checks, outside the session list and without a keepalive.
            var session = attempt.UnlistedSession(new KeepAliveSettings(TimeSpan.Zero, 0));

            // A server that closes the connection after one channel gets a fresh connection for each check.
            Func<CancellationToken, Task<LiveConnection>> freshConnection = cancellationToken => connector.FreshConnectionAsync(session, log, cancellationToken);
            try
            {
                await RunStepAsync(session, freshConnection, steps, "Command", "whoami", CommandStep).ConfigureAwait(false);

                foreach (var service in Service ?? Array.Empty<string>())
                {
                    var name = "Service " + service;
                    await RunStepAsync(session, freshConnection, steps, name, $"PATH=\"$PATH:/usr/sbin:/sbin\" service {ShellQuote.Quote(service)} status", result => ServiceStep(name, service, result)).ConfigureAwait(false);
                }
            }
            finally
            {
                session.Close();
            }

            return steps;
        }

        private async Task<bool> TestTcpAsync(ConnectionSettings settings, List<ConnectionTestStep> steps)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                foreach (var address in await Connector.ResolveAsync(settings, StopToken).ConfigureAwait(false))
                {
                    using (var client = new TcpClient(address.AddressFamily))
                    {
                        var connecting = client.ConnectAsync(address, settings.Port);
                        var remaining = settings.ConnectTimeout - clock.Elapsed;
                        if (remaining <= TimeSpan.Zero || await Task.WhenAny(connecting, Task.Delay(remaining, StopToken)).ConfigureAwait(false) != connecting)
                        {
                            StopToken.ThrowIfCancellationRequested();
                            throw ConnectionErrors.Timeout(settings.ComputerName, settings.Port, settings.ConnectTimeout);
                        }

                        try
                        {
                            await connecting.ConfigureAwait(false);
                            steps.Add(Step("TCP", true, clock.Elapsed, $"{address} port {settings.Port} accepts connections"));
                            return true;
                        }
                        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                        {
                            // Try the host's next address, as the connection itself would.
                        }
                    }
                }

                throw ConnectionErrors.Refused(settings.ComputerName, settings.Port);
            }
            catch (SocketException e)
            {
                steps.Add(Step("TCP", false, clock.Elapsed, e.Message, "The host cannot be reached: check the host name, the network path and firewalls."));
            }
            catch (SentinelException e)
            {
                var hint = e.ErrorId switch
                {
                    ErrorIds.UnknownHost => "Check the host name spelling and its DNS or /etc/hosts entry.",
                    ErrorIds.ConnectionRefused => $"Nothing listens on port {settings.Port}: check -Port (or $env:SSH_PORT) and that sshd is running on the host; a firewall that rejects looks the same.",
                    _ => $"No answer within {settings.ConnectTimeout.TotalSeconds:0} s: the host may be down or the address wrong, or a firewall drops the packets.",
                };
                steps.Add(Step("TCP", false, clock.Elapsed, e.Message, hint));
            }

            return false;
        }

        /// <summary>Turns a connection attempt into the Handshake and Authentication rows; true when both passed.</summary>
        private static bool RecordConnectSteps(ConnectAttempt attempt, List<ConnectionTestStep> steps)
        {
            var error = attempt.Error;
            var credentialProblem = error != null && (error.ErrorId.StartsWith("Sentinel.Key", StringComparison.Ordinal) || error.ErrorId == ErrorIds.NoCredential);
            if (credentialProblem)
            {
                steps.Add(Step("Authentication", false, attempt.Elapsed, error!.Message, error.RecommendedAction));
                return false;
            }

            var verifier = attempt.Verifier!;
            var handshake = attempt.HandshakeTime ?? attempt.Elapsed;
            var hostKeyRefused = verifier.Rejection();
            if (attempt.HandshakeTime == null || hostKeyRefused != null)
            {
                var hint = hostKeyRefused?.RecommendedAction ?? "The port answers but did not complete an SSH handshake: check that it is an SSH server and that nothing in between (a proxy, a load balancer) cuts the connection.";
                steps.Add(Step("Handshake", false, handshake, error?.Message ?? "no host key received", hint));
                return false;
            }

            steps.Add(Step("Handshake", true, handshake, $"{verifier.Offered!.Algorithm} {verifier.OfferedFingerprint} ({verifier.Verdict})"));
            var authentication = attempt.Elapsed - handshake;
            if (error != null)
            {
                steps.Add(Step("Authentication", false, authentication, error.Message, attempt.AuthenticationHint()));
                return false;
            }

            steps.Add(Step("Authentication", true, authentication, $"'{attempt.Settings.UserName}' accepted (offered {attempt.Offered})"));
            return true;
        }

        private async Task RunStepAsync(SentinelSession session, Func<CancellationToken, Task<LiveConnection>> freshConnection, List<ConnectionTestStep> steps, string name, string command, Func<CommandResult, ConnectionTestStep> judge)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                var request = new CommandRequest(command) { Timeout = CommandRequest.QueryTimeout };
                steps.Add(judge(await CommandRunner.RunAsync(session, session.Connection!, request, freshConnection, StopToken).ConfigureAwait(false)));
            }
            catch (SentinelException e)
            {
                steps.Add(Step(name, false, clock.Elapsed, e.Message, e.RecommendedAction));
            }
        }

        /// <summary>
        /// whoami must end well and print one line, the user's name: anything more (a login shell's
        /// help page, a ForceCommand's own output, startup files that print) would also reach every
        /// script that reads a command's output, so the step fails and shows it.
        /// </summary>
        private static ConnectionTestStep CommandStep(CommandResult result)
        {
            const string NoCommandsHint = "The account logs in but cannot run commands: check its login shell (not /usr/sbin/nologin) and any ForceCommand in sshd_config.";
            var printed = ShownOutput(result);
            if (!result.Succeeded)
            {
                return Step("Command", false, result.Duration, $"whoami ended {Describe(result)}: {printed}", NoCommandsHint);
            }

            var output = result.Output.Trim();
            if (output.Length == 0)
            {
                return Step("Command", false, result.Duration, $"whoami ended well but printed no user name: {printed}", NoCommandsHint);
            }

            if (output.IndexOf('\n') >= 0)
            {
                return Step("Command", false, result.Duration, $"whoami printed more than the user name: {printed}", "Something else writes to the output of every command (the login shell, its startup files, a ForceCommand): scripts that read output would see it too. Check the account's login shell and dotfiles.");
            }

            return Step("Command", true, result.Duration, $"whoami: {output}");
        }

        /// <summary>What a command printed, both streams, cut short enough for a step's detail.</summary>
        private static string ShownOutput(CommandResult result)
        {
            const int MaxShown = 500;
            var text = string.Join(" | ", new[] { result.Output.Trim(), result.Error.Trim() }.Where(part => part.Length > 0));
            if (text.Length == 0)
            {
                return "(no output)";
            }

            return text.Length > MaxShown ? text.Substring(0, MaxShown) + "..." : text;
        }

        private static ConnectionTestStep ServiceStep(string name, string service, CommandResult result)
        {
            var output = (result.Output + result.Error).Trim();
            switch (result.ExitCode)
            {
                case 0:
                    return Step(name, true, result.Duration, $"{service} is running (exit 0)");
                case 3:
                    return Step(name, false, result.Duration, $"{service} is stopped (exit 3): {output}", $"Start it, for example: Invoke-SentinelCommand 'sudo service {service} start'.");
                case 4:
                    return Step(name, false, result.Duration, $"{service} status is unknown (exit 4): {output}", "The status check may need root here: let the user run 'service' through sudo (see about_Sentinel), or check the service's init script.");
                case 127:
                    return Step(name, false, result.Duration, $"'service' was not found (exit 127): {output}", "The host has no 'service' command: install the init-system tools or check PATH.");
                default:
                    return Step(name, false, result.Duration, $"{service} status failed, ended {Describe(result)}: {output}", $"Check that the service '{service}' is installed on the host and that the name is right.");
            }
        }

        private static string Describe(CommandResult result) => result.ExitCode.HasValue
            ? "with exit code " + result.ExitCode.Value.ToString(CultureInfo.InvariantCulture)
            : "by signal " + result.ExitSignal;

        private static ConnectionTestStep Step(string name, bool passed, TimeSpan duration, string detail, string? hint = null)
            => new ConnectionTestStep(name, passed, duration, detail, passed ? null : hint);
    }
}
