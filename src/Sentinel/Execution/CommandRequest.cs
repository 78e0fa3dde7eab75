using System;
using System.Security;

namespace Sentinel.Execution
{
    /// <summary>One command to run on one session, and how.</summary>
    internal sealed class CommandRequest
    {
        /// <summary>
        /// The bound of a command that should answer at once (a status, a listing, sudo -l, a
        /// configuration test, a key read): long enough for a loaded host, short enough that a host
        /// that never answers cannot stall a cmdlet.
        /// </summary>
        public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(30);

        /// <summary>What a result keeps of each stream unless told otherwise.</summary>
        public const long DefaultMaxOutputBytes = 16 * 1024 * 1024;

        public CommandRequest(string command)
        {
            Command = command;
        }

        /// <summary>The command line as the user wrote it, run by the login shell.</summary>
        public string Command { get; }

        public TimeSpan? Timeout { get; set; }

        public long MaxOutputBytes { get; set; } = DefaultMaxOutputBytes;

        /// <summary>Bytes for the command's stdin; null gives it an stdin at end-of-file.</summary>
        public byte[]? Input { get; set; }

        /// <summary>Run the command line under sudo, like typing <c>sudo</c> in front of it.</summary>
        public bool Sudo { get; set; }

        /// <summary>The password for sudo's prompt; null allows passwordless sudo only.</summary>
        public SecureString? SudoPassword { get; set; }

        /// <summary>
        /// True (the default) makes an answer the server gave without running the line (its
        /// ForceCommand, an SFTP-only account's refusal) a Sentinel.CommandNotRun error; false returns
        /// it as the result, for a caller that judges the answer itself (the copy probe).
        /// </summary>
        public bool FailWhenNotRun { get; set; } = true;

        /// <summary>Called with each stdout line as it arrives (for -Stream), from a background thread.</summary>
        public Action<string>? OnOutputLine { get; set; }
    }
}
