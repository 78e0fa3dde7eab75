using System;
using System.Linq;
using System.Threading.Tasks;
using Sentinel.Execution;
using Sentinel.Results;

namespace Sentinel.Files
{
    /// <summary>
    /// How copies on one host are verified, learnt once per session by one short command: whether the
    /// account may run commands at all (an SFTP-only one, ForceCommand internal-sftp, answers with
    /// something else), and which SHA-256 program it has. Without one, copies are verified by reading
    /// the file back over SFTP and hashing it here.
    /// </summary>
    internal sealed class HostHashing
    {
        /// <summary>What a probe keeps of a server's answer that was not its output: enough to name it.</summary>
        private const int RefusalChars = 200;

        private HostHashing(bool runsCommands, HashTool? tool, string? refusal)
        {
            RunsCommands = runsCommands;
            Tool = tool;
            Refusal = refusal;
        }

        /// <summary>False for an account that may use SFTP only: the probe's command never ran.</summary>
        public bool RunsCommands { get; }

        /// <summary>The SHA-256 program to run; null when there is none (or no command runs).</summary>
        public HashTool? Tool { get; }

        /// <summary>What the server answered instead of running the probe, when it did not run it.</summary>
        public string? Refusal { get; }

        public FileCopyVerification Verification => Tool != null ? FileCopyVerification.RemoteHash : FileCopyVerification.ReadBack;

        /// <summary>Prints the marker, then where each candidate program is (command -v prints nothing for a missing one).</summary>
        public static string ProbeCommand(string marker) =>
            "echo " + marker + string.Concat(HashTool.InPreference.Select(tool => "; command -v " + tool.Program));

        /// <summary>
        /// Runs the probe. It gets a byte of input: a server that runs internal-sftp in place of any
        /// command (older OpenSSH under ForceCommand internal-sftp) then reads end-of-file and ends,
        /// where an input left open would keep it waiting for SFTP requests until the timeout.
        /// </summary>
        public static async Task<HostHashing> ProbeAsync(CopyContext context)
        {
            var marker = "sentinel-probe-" + Guid.NewGuid().ToString("N");
            var command = ProbeCommand(marker);
            context.Verbose($"{context.Host}: {command}");
            var result = await context.Run(new CommandRequest(command) { Input = new[] { (byte)'\n' }, FailWhenNotRun = false, Timeout = Min(CommandRequest.QueryTimeout, context.Options.CommandTimeout), MaxOutputBytes = 64 * 1024 }, context.Stop).ConfigureAwait(false);
            return Read(result.Output, result.Error, marker);
        }

        /// <summary>
        /// What the probe's output says: the marker as a line of its own (a shell start-up file may print
        /// before it), then the programs found; without it the account runs no command of ours. The marker
        /// is new for each probe, so only our command can print it; a server that repeats the command
        /// line back in a refusal shows it inside a longer line, which does not count.
        /// </summary>
        public static HostHashing Read(string output, string error, string marker)
        {
            var lines = output.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
            var at = lines.IndexOf(marker);
            if (at < 0)
            {
                var said = (output + error).Trim();
                return new HostHashing(false, null, said.Length > RefusalChars ? said.Substring(0, RefusalChars) + "..." : said);
            }

            var found = lines.Skip(at + 1).ToList();
            var tool = HashTool.InPreference.FirstOrDefault(candidate => found.Any(line => line == candidate.Program || line.EndsWith("/" + candidate.Program, StringComparison.Ordinal)));
            return new HostHashing(true, tool, null);
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    }
}
