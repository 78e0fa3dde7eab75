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

        /// <summary>
        /// The SHA-256 of each remote file (null where sha256sum could not read it), in batches of simple
        /// <c>sha256sum -- paths</c> commands, under sudo when <paramref name="sudo"/>.
        /// </summary>
        public async Task<string?[]> RemoteHashesAsync(IReadOnlyList<string> paths, bool sudo)
        {
            var hashes = new List<string?>(paths.Count);
            for (var first = 0; first < paths.Count; first += Sha256Sum.BatchSize)
            {
                var batch = paths.Skip(first).Take(Sha256Sum.BatchSize).ToList();
                var result = await RunAsync(Sha256Sum.Command(batch), sudo, Stop).ConfigureAwait(false);
                hashes.AddRange(Sha256Sum.Parse(result.Output, batch));
            }

            return hashes.ToArray();
        }

        /// <summary>A FileTransferException as this host's FileCopyFailed for <paramref name="path"/>.</summary>
        public SentinelException Failed(string path, FileTransferException e) => FileErrors.CopyFailed(Host, path, e.Message, e.PermissionDenied, e);
    }
}
