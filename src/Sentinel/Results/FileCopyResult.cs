using System;

namespace Sentinel.Results
{
    /// <summary>What Copy-SentinelItem did with one file on one host.</summary>
    public enum FileCopyAction
    {
        /// <summary>The destination now holds the file (verified by SHA-256).</summary>
        Copied,

        /// <summary>The destination already held the same bytes (same SHA-256); nothing was written.</summary>
        Unchanged,

        /// <summary>Not copied by design: a directory without -Recurse, a link inside a tree, a device.</summary>
        Skipped,

        /// <summary>Not copied because something went wrong; the error says what. The destination is as it was.</summary>
        Failed,
    }

    /// <summary>Which way Copy-SentinelItem copied.</summary>
    public enum FileCopyDirection
    {
        /// <summary>From this machine to the host.</summary>
        Upload,

        /// <summary>From the host to this machine.</summary>
        Download,
    }

    /// <summary>How Copy-SentinelItem checked that the copy holds the source's bytes.</summary>
    public enum FileCopyVerification
    {
        /// <summary>Not checked: the file was skipped or failed.</summary>
        None,

        /// <summary>The file's SHA-256 computed on the host (sha256sum, shasum, sha256 or openssl) matched the one computed here.</summary>
        RemoteHash,

        /// <summary>
        /// The host has no SHA-256 program or the account may use SFTP only: the file was read back over
        /// SFTP and hashed here. This checks what the server returns, not an independent reading of the disk.
        /// </summary>
        ReadBack,
    }

    /// <summary>One file copied (or not) to or from one host.</summary>
    public sealed class FileCopyResult
    {
        internal FileCopyResult(string computerName, int sessionId, FileCopyDirection direction, string source, string destination, FileCopyAction action, long length, string? sha256, TimeSpan duration, string? backupPath, string? message, FileCopyVerification verification)
        {
            Verification = verification;
            ComputerName = computerName;
            SessionId = sessionId;
            Direction = direction;
            Source = source;
            Destination = destination;
            Action = action;
            Length = length;
            Sha256 = sha256;
            Duration = duration;
            BackupPath = backupPath;
            Message = message;
        }

        /// <summary>The host copied to or from.</summary>
        public string ComputerName { get; }

        /// <summary>The session's id; 0 for a connection opened only for this copy (-ComputerName).</summary>
        public int SessionId { get; }

        /// <summary>Whether the file went to the host (Upload) or came from it (Download).</summary>
        public FileCopyDirection Direction { get; }

        /// <summary>The file copied: a local path for an upload, a path on the host for a download.</summary>
        public string Source { get; }

        /// <summary>Where the file went: a path on the host for an upload, a local path for a download.</summary>
        public string Destination { get; }

        /// <summary>What happened to the file.</summary>
        public FileCopyAction Action { get; }

        /// <summary>Bytes in the file.</summary>
        public long Length { get; }

        /// <summary>The file's SHA-256 in lower-case hex (as sha256sum prints it); null when not known.</summary>
        public string? Sha256 { get; }

        /// <summary>How the copy (or, for Unchanged, the comparison) was checked: RemoteHash, ReadBack, or None when skipped or failed.</summary>
        public FileCopyVerification Verification { get; }

        /// <summary>How long this file's copy took.</summary>
        public TimeSpan Duration { get; }

        /// <summary>Where -Backup kept the previous file; null when no backup was made.</summary>
        public string? BackupPath { get; }

        /// <summary>Why a file was skipped or failed.</summary>
        public string? Message { get; }
    }
}
