using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Execution;
using Sentinel.Hosts;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Files
{
    /// <summary>How to copy, as the cmdlet's parameters say.</summary>
    internal sealed class CopyOptions
    {
        public bool Recurse { get; set; }

        public bool Force { get; set; }

        public bool Backup { get; set; }

        /// <summary>Uploads: put files in place under sudo (install, then mv), after uploading them to a private temporary directory.</summary>
        public bool Sudo { get; set; }

        /// <summary>How long any one command of the copy (a hash batch, -Validate, a look at the destination) may run.</summary>
        public TimeSpan CommandTimeout { get; set; } = DefaultCommandTimeout;

        /// <summary>Without -Timeout, a command of the copy still ends: a host that never answers must not stall it for ever.</summary>
        public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromMinutes(10);

        /// <summary>A command with {} for the new file's quoted path; the destination is replaced only when it exits 0.</summary>
        public string? Validate { get; set; }

        /// <summary>Permission bits for uploaded files; null keeps the replaced file's (new files: the source's, group and others without write).</summary>
        public int? Mode { get; set; }

        public string? Owner { get; set; }

        public string? Group { get; set; }
    }

    /// <summary>A remote file's SHA-256, or why the host gave none.</summary>
    internal sealed class RemoteHash
    {
        /// <summary>What a message keeps of a hash program's complaint.</summary>
        private const int ProblemChars = 300;

        private RemoteHash(string? value, string? problem, bool permissionDenied)
        {
            Value = value;
            Problem = problem;
            PermissionDenied = permissionDenied;
        }

        /// <summary>Lower-case hex; null when there is none.</summary>
        public string? Value { get; }

        public string? Problem { get; }

        public bool PermissionDenied { get; }

        public static RemoteHash Of(string value) => new RemoteHash(value, null, false);

        public static RemoteHash Unreadable(string problem, bool permissionDenied) => new RemoteHash(null, problem, permissionDenied);

        /// <summary>
        /// No line for <paramref name="path"/>: what the program said about it on stderr (the line naming
        /// it, else all of it), else that it printed nothing. "Permission denied" there is a permission problem.
        /// </summary>
        public static RemoteHash Missing(string program, string path, CommandResult result)
        {
            var error = result.Error ?? string.Empty;
            var said = error.Split('\n').FirstOrDefault(line => line.IndexOf(path, StringComparison.Ordinal) >= 0)?.Trim() ?? error.Trim();
            if (said.Length > ProblemChars)
            {
                said = said.Substring(0, ProblemChars) + "...";
            }

            var problem = said.Length > 0
                ? $"{program} said: {said}"
                : $"{program} printed no SHA-256 for it (exit {result.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "by signal"})";
            return new RemoteHash(null, problem, said.IndexOf("Permission denied", StringComparison.OrdinalIgnoreCase) >= 0);
        }
    }

    /// <summary>One host's copy: its session and channels, the options, and the ways back to the cmdlet.</summary>
    internal sealed class CopyContext
    {
        /// <summary>How long one step that puts a file in place may take; it is not interrupted by a stop, so it must end by itself.</summary>
        public static readonly TimeSpan PlacementTimeout = TimeSpan.FromMinutes(2);

        public CopyContext(IRemoteHost host, IFileTransfer transfer, CopyOptions options, CancellationToken stop)
        {
            Session = host.Session;
            Transfer = transfer;
            Options = options;
            Run = host.RunAsync;
            Stop = stop;
        }

        public SentinelSession Session { get; }

        public string Host => Session.ComputerName;

        public IFileTransfer Transfer { get; }

        public CopyOptions Options { get; }

        /// <summary>Runs a command on the host, audited.</summary>
        public Func<CommandRequest, CancellationToken, Task<CommandResult>> Run { get; }

        public CancellationToken Stop { get; }

        /// <summary>Asks ShouldProcess on the pipeline thread: target, action.</summary>
        public Func<string, string, Task<bool>> Confirm { get; set; } = (target, action) => Task.FromResult(true);

        public Action<FileCopyResult> Emit { get; set; } = result => { };

        public Action<SentinelException> Fail { get; set; } = error => { };

        public Action<string> Verbose { get; set; } = line => { };

        /// <summary>What the user must act on, such as a temporary file a lost connection left behind.</summary>
        public Action<string> Warn { get; set; } = line => { };

        /// <summary>The file being copied, bytes done on this host, bytes this host copies in all.</summary>
        public Action<string, long, long> Progress { get; set; } = (file, done, total) => { };

        /// <summary>Runs <paramref name="command"/> and returns its result, whatever the exit code.</summary>
        public Task<CommandResult> RunAsync(string command, bool sudo, CancellationToken cancellationToken, TimeSpan? timeout = null)
        {
            Verbose($"{Host}: {(sudo ? "sudo " : string.Empty)}{command}");
            return Run(new CommandRequest(command) { Sudo = sudo, Timeout = timeout ?? Options.CommandTimeout, MaxOutputBytes = 1 << 20 }, cancellationToken);
        }

        /// <summary>Runs a step that must succeed; a non-zero exit is a FileCopyFailed naming <paramref name="path"/> and what the command said.</summary>
        public async Task RunStepAsync(string command, bool sudo, string path, string what)
        {
            var result = await RunAsync(command, sudo, CancellationToken.None, PlacementTimeout).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw FileErrors.CopyFailed(Host, path, $"{what} failed ({command}): {(result.Error + result.Output).Trim()}", permissionDenied: (result.Error ?? string.Empty).Contains("Permission denied"));
            }
        }

        /// <summary>How this host's copies are verified; known once <see cref="PrepareAsync"/> ran.</summary>
        public HostHashing Hashing { get; private set; } = null!;

        /// <summary>What results of files compared or copied say about how they were checked.</summary>
        public FileCopyVerification Verification => Hashing.Verification;

        /// <summary>
        /// Learns how the host verifies copies (once per session: one probe command), and refuses, before
        /// anything is written, what this copy cannot do there: on an SFTP-only account anything that
        /// runs a command (<paramref name="upload"/>: -Sudo, -Validate, -Backup, -Owner, -Group, special
        /// mode bits), and -Sudo where no SHA-256 program exists, since root's files cannot be read back.
        /// </summary>
        public async Task PrepareAsync(bool upload)
        {
            var live = Session.Live;
            var hashing = live.Hashing;
            if (hashing == null)
            {
                hashing = await HostHashing.ProbeAsync(this).ConfigureAwait(false);
                live.Hashing = hashing;
            }

            Hashing = hashing;
            var needsCommands = upload ? CommandOnlyOption() : null;
            if (!hashing.RunsCommands && needsCommands != null)
            {
                throw FileErrors.SftpOnly(Host, needsCommands, hashing.Refusal);
            }

            if (upload && Options.Sudo && hashing.Tool == null)
            {
                throw FileErrors.NoHashTool(Host);
            }

            Verbose(hashing.Tool != null
                ? $"{Host}: copies are verified with {hashing.Tool.Program} on the host."
                : $"{Host}: {(hashing.RunsCommands ? "no SHA-256 program on the host" : "the account may use SFTP only")}; copies are verified by reading them back over SFTP.");
        }

        /// <summary>The first upload option that runs a command on the host, or null.</summary>
        private string? CommandOnlyOption() =>
            Options.Sudo ? "-Sudo"
            : Options.Validate != null ? "-Validate"
            : Options.Backup ? "-Backup"
            : Options.Owner != null ? "-Owner"
            : Options.Group != null ? "-Group"
            : Options.Mode > Convert.ToInt32("777", 8) ? "-Mode with setuid, setgid or sticky bits"
            : null;

        /// <summary>
        /// The SHA-256 of each remote file, or why there is none: with the host's program, in batches of
        /// one simple command each (under sudo when <paramref name="sudo"/>); without one, by reading each
        /// file back over SFTP as the login user.
        /// </summary>
        public async Task<RemoteHash[]> RemoteHashesAsync(IReadOnlyList<string> paths, bool sudo)
        {
            var tool = Hashing.Tool;
            if (tool == null)
            {
                return await ReadBackAsync(paths).ConfigureAwait(false);
            }

            var hashes = new List<RemoteHash>(paths.Count);
            for (var first = 0; first < paths.Count; first += HashTool.BatchSize)
            {
                var batch = paths.Skip(first).Take(HashTool.BatchSize).ToList();
                var result = await RunAsync(tool.Command(batch), sudo, Stop).ConfigureAwait(false);
                var parsed = tool.Parse(result.Output, batch);
                if (tool.NamesNoFiles && batch.Count > 1 && parsed.Contains(null))
                {
                    // Bare hashes with one missing cannot be matched to their files: one command per file.
                    foreach (var path in batch)
                    {
                        hashes.AddRange(await RemoteHashesAsync(new[] { path }, sudo).ConfigureAwait(false));
                    }

                    continue;
                }

                hashes.AddRange(batch.Select((path, i) => parsed[i] != null ? RemoteHash.Of(parsed[i]!) : RemoteHash.Missing(tool.Program, path, result)));
            }

            return hashes.ToArray();
        }

        private async Task<RemoteHash[]> ReadBackAsync(IReadOnlyList<string> paths)
        {
            var hashes = new RemoteHash[paths.Count];
            for (var i = 0; i < paths.Count; i++)
            {
                Stop.ThrowIfCancellationRequested();
                Verbose($"{Host}: reading '{paths[i]}' back over SFTP to hash it");
                try
                {
                    using (var hashing = new HashingStream(System.IO.Stream.Null))
                    {
                        await Transfer.DownloadAsync(paths[i], hashing, read => { }, Stop).ConfigureAwait(false);
                        hashes[i] = RemoteHash.Of(hashing.Finish());
                    }
                }
                catch (FileTransferException e)
                {
                    hashes[i] = RemoteHash.Unreadable("reading it back over SFTP failed: " + e.Message, e.PermissionDenied);
                }
            }

            return hashes;
        }

        /// <summary>Why <paramref name="path"/> has no remote hash, as an error: a lack of permission is FilePermissionDenied.</summary>
        public SentinelException Unverified(string path, RemoteHash hash) =>
            hash.PermissionDenied
                ? FileErrors.CopyFailed(Host, path, "cannot read it: " + hash.Problem, permissionDenied: true)
                : FileErrors.VerificationFailed(Host, path, string.Empty, null, hash.Problem);

        /// <summary>A FileTransferException as this host's error for <paramref name="path"/>: FilePermissionDenied when the server refused for lack of permission, else FileCopyFailed.</summary>
        public SentinelException Failed(string path, FileTransferException e) => FileErrors.CopyFailed(Host, path, e.Message, e.PermissionDenied, e);
    }
}
