using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Execution;
using Sentinel.Hosts;
using Sentinel.Results;
using Sentinel.Services;

namespace Sentinel.Privileges
{
    /// <summary>
    /// Test-SentinelPrivilege's engine: lists the login user's sudo rules with <c>sudo -n -l</c> (never a
    /// password), and judges each command Sentinel would run for the named services (the exact lines of
    /// <see cref="ServiceCommands.Action"/> and <see cref="ConfigTests.For"/>) and for docker (group membership).
    /// </summary>
    internal sealed class PrivilegeChecker
    {
        /// <summary>C locale for sudo's English messages; wide columns so sudo does not wrap rules (wrapping is read anyway).</summary>
        internal const string ListCommand = "LC_ALL=C COLUMNS=4096 sudo -n -l";

        internal const string GroupsCommand = "id -nG";
        private static readonly ServiceAction[] Actions = { ServiceAction.Start, ServiceAction.Stop, ServiceAction.Restart };

        private static readonly char[] Blanks = { ' ', '\t', '\n', '\r' };
        private readonly IRemoteHost _host;
        private readonly CancellationToken _stop;

        public PrivilegeChecker(IRemoteHost host, CancellationToken stop)
        {
            _host = host;
            _stop = stop;
        }

        private string Host => _host.ComputerName;

        private string User => _host.Session.UserName;

        private Task<CommandResult> RunAsync(CommandRequest request) => _host.RunAsync(request, _stop);

        /// <param name="manager">The host's service manager; needed only when there are services.</param>
        public async Task<IReadOnlyList<PrivilegeCheckResult>> CheckAsync(IReadOnlyList<string> services, ServiceManager? manager, bool container)
        {
            var results = new List<PrivilegeCheckResult>();
            var needed = new List<Needed>();
            foreach (var service in services)
            {
                var bare = manager == ServiceManager.Systemd ? service : ServiceName.Bare(service);
                results.Add(new PrivilegeCheckResult(Host, User, service, manager, PrivilegeAction.Status, Words(ServiceCommands.Status(manager!.Value, service)), SudoAccess.NotNeeded, null,
                    "Sentinel reads a service's status as the login user, without sudo."));
                needed.AddRange(Actions.Select(action => new Needed(service, (PrivilegeAction)Enum.Parse(typeof(PrivilegeAction), action.ToString()), ServiceCommands.Action(manager.Value, service, action))));
                if (ConfigTests.For(service) is string test)
                {
                    needed.Add(new Needed(service, PrivilegeAction.ConfigTest, test));
                }
            }

            if (needed.Count > 0)
            {
                results.AddRange(await JudgeAsync(needed, manager).ConfigureAwait(false));
            }

            if (container)
            {
                results.Add(await DockerAsync().ConfigureAwait(false));
            }

            // Status rows first per service, then the actions in the order Sentinel's cmdlets name them.
            return results.OrderBy(r => r.Service == null ? services.Count : IndexOf(services, r.Service)).ThenBy(r => r.Action).ToList();
        }

        private static int IndexOf(IReadOnlyList<string> list, string item)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] == item)
                {
                    return i;
                }
            }

            return list.Count;
        }

        private async Task<IEnumerable<PrivilegeCheckResult>> JudgeAsync(List<Needed> needed, ServiceManager? manager)
        {
            var list = await Run(ListCommand).ConfigureAwait(false);
            var listing = SudoListing.Parse(list.ExitCode, list.Output, list.Error);
            var paths = await ResolveProgramsAsync(needed.Select(n => n.Argv[0]).Where(p => !p.StartsWith("/", StringComparison.Ordinal)).Distinct().ToList(), listing.SecurePath).ConfigureAwait(false);
            var resolved = needed.Select(n => (Needed: n, Program: paths.TryGetValue(n.Argv[0], out var path) ? path : n.Argv[0])).ToList();
            if (listing.Outcome != SudoListOutcome.Listed)
            {
                var (access, detail) = Unlisted(listing.Outcome, list);
                return resolved.Select(r =>
                {
                    var commandLine = string.Join(" ", new[] { r.Program }.Concat(r.Needed.Argv.Skip(1)));
                    return Result(r.Needed, manager, commandLine, access, SuggestedLine(commandLine), detail);
                }).ToList();
            }

            var sameFiles = await SameFilesAsync(resolved.Select(r => r.Program).Where(p => p.StartsWith("/", StringComparison.Ordinal)).Distinct().ToList(), listing).ConfigureAwait(false);

            return resolved.Select(r =>
            {
                var arguments = r.Needed.Argv.Skip(1).ToList();
                var commandLine = string.Join(" ", new[] { r.Program }.Concat(arguments));
                if (!r.Program.StartsWith("/", StringComparison.Ordinal))
                {
                    return Result(r.Needed, manager, commandLine, SudoAccess.NotAllowed, null,
                        $"'{r.Program}' is not installed on {Host} (not found on sudo's secure_path), so Sentinel cannot run: {commandLine}.");
                }

                var decision = SudoersMatch.Decide(listing, r.Program, arguments, (a, b) => sameFiles.Contains((a, b)));
                var access = SudoersMatch.Access(decision);
                var detail = decision == null
                    ? $"No sudo rule for '{User}' matches: {commandLine}."
                    : $"Decided by the rule '{decision.Value.Rule.Text}' (entry '{decision.Value.Spec.Text}').";
                return Result(r.Needed, manager, commandLine, access, access == SudoAccess.NoPassword ? null : SuggestedLine(commandLine), detail);
            }).ToList();
        }

        private (SudoAccess, string) Unlisted(SudoListOutcome outcome, CommandResult list)
        {
            switch (outcome)
            {
                case SudoListOutcome.PasswordRequired:
                    return (SudoAccess.Unknown,
                        $"'sudo -n -l' on {Host} wants a password, and Sentinel never sends one to list rules: '{User}' has no NOPASSWD rule (sudo asks for a password to list unless one rule has NOPASSWD), or no sudo rule at all. So no action runs without a password.");
                case SudoListOutcome.RequiresTty:
                    return (SudoAccess.NotAllowed,
                        $"sudo on {Host} requires a terminal for '{User}' (requiretty), which Sentinel never has, so no sudo action can run. Add 'Defaults:{User} !requiretty' to sudoers as well as the rule.");
                case SudoListOutcome.NotAllowed:
                    return (SudoAccess.NotAllowed, $"'{User}' may not run sudo on {Host}.");
                case SudoListOutcome.NotInstalled:
                    return (SudoAccess.NotAllowed, $"sudo is not installed on {Host}.");
                default:
                    return (SudoAccess.Unknown, $"'sudo -n -l' on {Host} answered in a way Sentinel does not read (exit {list.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? list.ExitSignal}): {FirstLine(list.Error.Length > 0 ? list.Error : list.Output)}");
            }
        }

        /// <summary>Where sudo finds each program named without a path: the first hit on its secure_path (else the login PATH with sbin), as sudo looks it up.</summary>
        private async Task<Dictionary<string, string>> ResolveProgramsAsync(List<string> programs, string? securePath)
        {
            var found = new Dictionary<string, string>(StringComparer.Ordinal);
            if (programs.Count == 0)
            {
                return found;
            }

            var path = securePath != null ? ShellQuote.Quote(securePath) : "\"$PATH:/usr/sbin:/sbin\"";
            var line = $"PATH={path}; for p in {string.Join(" ", programs.Select(ShellQuote.Quote))}; do command -v \"$p\" || echo; done";
            var output = (await Run(line).ConfigureAwait(false)).Output.Split('\n');
            for (var i = 0; i < programs.Count && i < output.Length; i++)
            {
                var resolved = output[i].Trim();
                if (resolved.StartsWith("/", StringComparison.Ordinal) && SudoersMatch.BaseName(resolved) == programs[i])
                {
                    found[programs[i]] = resolved;
                }
            }

            return found;
        }

        /// <summary>
        /// The pairs (rule path, program) that are one file on the host although spelled differently
        /// (<c>/bin/cat</c> and <c>/usr/bin/cat</c> on a merged /usr): sudo compares inodes, so they match.
        /// </summary>
        private async Task<HashSet<(string, string)>> SameFilesAsync(IReadOnlyList<string> programs, SudoListing listing)
        {
            var pairs = listing.Rules.SelectMany(rule => rule.Commands)
                .Select(spec => spec.Program)
                .Where(rulePath => rulePath.StartsWith("/", StringComparison.Ordinal) && !rulePath.EndsWith("/", StringComparison.Ordinal) && !SudoersMatch.HasWildcard(rulePath))
                .Distinct()
                .SelectMany(rulePath => programs.Where(p => p != rulePath && SudoersMatch.BaseName(p) == SudoersMatch.BaseName(rulePath)).Select(p => (rulePath, p)))
                .Take(64)
                .ToList();
            var same = new HashSet<(string, string)>();
            if (pairs.Count == 0)
            {
                return same;
            }

            var line = string.Join("; ", pairs.Select(pair => $"if [ {ShellQuote.Quote(pair.rulePath)} -ef {ShellQuote.Quote(pair.p)} ]; then echo y; else echo n; fi"));
            var answers = (await Run(line).ConfigureAwait(false)).Output.Split('\n');
            for (var i = 0; i < pairs.Count && i < answers.Length; i++)
            {
                if (answers[i].Trim() == "y")
                {
                    same.Add(pairs[i]);
                }
            }

            return same;
        }

        private async Task<PrivilegeCheckResult> DockerAsync()
        {
            var groups = await Run(GroupsCommand).ConfigureAwait(false);
            var member = groups.Succeeded && groups.Output.Split(Blanks, StringSplitOptions.RemoveEmptyEntries).Contains("docker", StringComparer.Ordinal);
            return new PrivilegeCheckResult(Host, User, null, null, PrivilegeAction.Docker, "docker", member ? SudoAccess.NoPassword : SudoAccess.NotAllowed, null,
                member
                    ? $"'{User}' is in the docker group; Sentinel runs docker as the login user, without sudo."
                    : $"'{User}' is not in the docker group, and Sentinel runs docker without sudo. Add the user to it (usermod -aG docker {User}); membership of the docker group is equivalent to root.");
        }

        private Task<CommandResult> Run(string command) => RunAsync(new CommandRequest(command) { Timeout = CommandRequest.QueryTimeout, MaxOutputBytes = 4 * 1024 * 1024 });

        private PrivilegeCheckResult Result(Needed needed, ServiceManager? manager, string commandLine, SudoAccess access, string? sudoersLine, string detail) =>
            new PrivilegeCheckResult(Host, User, needed.Service, manager, needed.Action, commandLine, access, sudoersLine, detail);

        /// <summary>The README's form, for exactly this command: <c>user ALL=(ALL) NOPASSWD: /usr/sbin/service nginx restart</c>.</summary>
        internal string SuggestedLine(string commandLine) => $"{User} ALL=(ALL) NOPASSWD: {EscapeForSudoers(commandLine)}";

        /// <summary>sudoers gives ',' ':' '=' '\' a meaning in a command; a literal one takes a backslash.</summary>
        internal static string EscapeForSudoers(string commandLine)
        {
            var escaped = new StringBuilder(commandLine.Length);
            foreach (var c in commandLine)
            {
                if (c == ',' || c == ':' || c == '=' || c == '\\')
                {
                    escaped.Append('\\');
                }

                escaped.Append(c);
            }

            return escaped.ToString();
        }

        private static string Words(string line) => ShellSyntax.Words(line) is IReadOnlyList<string> words ? string.Join(" ", words) : line;

        private static string FirstLine(string text)
        {
            var line = text.Trim().Split('\n')[0].Trim();
            return line.Length > 200 ? line.Substring(0, 200) + "..." : line;
        }

        /// <summary>One command Sentinel runs under sudo, as the argv sudo receives.</summary>
        private sealed class Needed
        {
            public Needed(string service, PrivilegeAction action, string line)
            {
                Service = service;
                Action = action;
                Line = line;
                Argv = ShellSyntax.Words(line) ?? new[] { line };
            }

            public string Service { get; }

            public PrivilegeAction Action { get; }

            /// <summary>The command line as Sentinel runs it (values single-quoted).</summary>
            public string Line { get; }

            public IReadOnlyList<string> Argv { get; }
        }
    }
}
