using System;

namespace Sentinel.Results
{
    /// <summary>What one command did on one host. A non-zero exit code is data here, not an error.</summary>
    public sealed class CommandResult
    {
        internal CommandResult(string computerName, int sessionId, string command, bool sudo, int? exitCode, string? exitSignal, string output, string error, DateTime startTime, TimeSpan duration, long outputBytes, long errorBytes, bool truncated)
        {
            ComputerName = computerName;
            SessionId = sessionId;
            Command = command;
            Sudo = sudo;
            ExitCode = exitCode;
            ExitSignal = exitSignal;
            Output = output;
            Error = error;
            StartTime = startTime;
            Duration = duration;
            OutputBytes = outputBytes;
            ErrorBytes = errorBytes;
            Truncated = truncated;
        }

        /// <summary>The host the command ran on, as the session names it.</summary>
        public string ComputerName { get; }

        /// <summary>The Id of the session the command ran on.</summary>
        public int SessionId { get; }

        /// <summary>The command line as given (without Sentinel's sudo wrapping).</summary>
        public string Command { get; }

        /// <summary>True when the command ran under sudo.</summary>
        public bool Sudo { get; }

        /// <summary>The command's exit code; null when a signal ended it.</summary>
        public int? ExitCode { get; }

        /// <summary>The signal that ended the command (TERM, KILL, ...), if any.</summary>
        public string? ExitSignal { get; }

        /// <summary>Standard output, exactly as the command wrote it (up to the kept limit).</summary>
        public string Output { get; }

        /// <summary>Standard error, apart from standard output.</summary>
        public string Error { get; }

        /// <summary>When Sentinel started the run (local time).</summary>
        public DateTime StartTime { get; }

        /// <summary>How long the run took, waiting for a channel and sudo's steps included.</summary>
        public TimeSpan Duration { get; }

        /// <summary>Bytes the command wrote to standard output, including any not kept.</summary>
        public long OutputBytes { get; }

        /// <summary>Bytes the command wrote to standard error, including any not kept.</summary>
        public long ErrorBytes { get; }

        /// <summary>True when Output or Error hold less than the command wrote.</summary>
        public bool Truncated { get; }

        /// <summary>True when the command exited 0.</summary>
        public bool Succeeded => ExitCode == 0;
    }
}
