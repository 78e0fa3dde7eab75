using System;
using System.Globalization;
using System.Management.Automation;

namespace Sentinel.Errors
{
    /// <summary>Copy-SentinelItem's failures: each names the host, the file, and what was left as it was.</summary>
    internal static class FileErrors
    {
        public static SentinelException NotFound(string? computerName, string path) => new SentinelException(
            ErrorIds.FileNotFound,
            ErrorCategory.ObjectNotFound,
            computerName,
            computerName == null ? $"Cannot find '{path}'." : $"Cannot find '{path}' on {computerName}.",
            "Check the path (wildcards are expanded on the side the path belongs to).");

        public static SentinelException Exists(string computerName, string target) => new SentinelException(
            ErrorIds.FileExists,
            ErrorCategory.ResourceExists,
            computerName,
            $"'{target}' on {computerName} exists and differs from the file being copied; it was left as it was.",
            "Add -Force to replace it (and -Backup to keep the previous file beside it).");

        public static SentinelException ValidationFailed(string computerName, string target, string command, int? exitCode, string output) => new SentinelException(
            ErrorIds.FileValidationFailed,
            ErrorCategory.InvalidData,
            computerName,
            $"The new '{target}' on {computerName} failed -Validate ({command}, exit {(exitCode.HasValue ? exitCode.Value.ToString(CultureInfo.InvariantCulture) : "by signal")}), so the destination was left as it was: {output.Trim()}",
            "Fix the file and copy it again; the validation command's output says what is wrong.");

        /// <param name="actual">The copy's SHA-256; null when it could not be computed, <paramref name="problem"/> saying why.</param>
        public static SentinelException VerificationFailed(string computerName, string path, string expected, string? actual, string? problem = null) => new SentinelException(
            ErrorIds.FileVerificationFailed,
            ErrorCategory.InvalidResult,
            computerName,
            actual == null
                ? $"Could not verify the copy of '{path}' on {computerName}: {problem ?? "no SHA-256 was computed for it"}; the destination was left as it was."
                : $"The copy of '{path}' on {computerName} has SHA-256 {actual}, not {expected} (the source changed while copying, or the transfer was damaged); the destination was left as it was.",
            "Copy again; the message says what the host's SHA-256 program (sha256sum, shasum, sha256 or openssl) answered.");

        /// <summary>A copy step failed; a lack of permission is <see cref="ErrorIds.FilePermissionDenied"/>, anything else <see cref="ErrorIds.FileCopyFailed"/>.</summary>
        public static SentinelException CopyFailed(string computerName, string path, string reason, bool permissionDenied = false, Exception? inner = null) => new SentinelException(
            permissionDenied ? ErrorIds.FilePermissionDenied : ErrorIds.FileCopyFailed,
            permissionDenied ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError,
            computerName,
            $"Could not copy '{path}' on {computerName}: {Sentences.End(reason)}",
            permissionDenied ? "Use -Sudo for destinations the login user cannot write, or check the permissions." : "Check the path and the host, then copy again.",
            inner);

        /// <summary>A download that failed on this machine's side: <paramref name="localPath"/> is a local path, never the host's.</summary>
        public static SentinelException LocalCopyFailed(string computerName, string localPath, string reason, bool permissionDenied = false, Exception? inner = null) => new SentinelException(
            permissionDenied ? ErrorIds.FilePermissionDenied : ErrorIds.FileCopyFailed,
            permissionDenied ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError,
            computerName,
            $"Could not copy from {computerName} to '{localPath}' on this machine: {Sentences.End(reason)}",
            permissionDenied ? "Check the permissions of the local destination." : "Check the local destination, then copy again.",
            inner);

        public static SentinelException SftpOnly(string computerName, string feature, string? serverSaid) => new SentinelException(
            ErrorIds.SftpOnlyAccount,
            ErrorCategory.PermissionDenied,
            computerName,
            $"The account on {computerName} may use SFTP only (it did not run a command{(string.IsNullOrEmpty(serverSaid) ? string.Empty : ", the server answered '" + serverSaid + "'")}), and {feature} needs commands on the host. Nothing was copied.",
            $"Copy without {feature}: plain copies work over SFTP alone, verified by reading the file back. Or use an account that may run commands.");

        public static SentinelException NoHashTool(string computerName) => new SentinelException(
            ErrorIds.HashToolMissing,
            ErrorCategory.NotInstalled,
            computerName,
            $"{computerName} has no SHA-256 program on the login PATH (sha256sum, shasum, sha256 or openssl), which -Sudo needs to compare and verify files as root. Nothing was copied.",
            "Install one of them (GNU coreutils, BusyBox, Perl's shasum or OpenSSL), or copy without -Sudo to a place the login user can write: such copies are verified by reading the file back over SFTP.");

        public static SentinelException UnsafeDestination(string computerName, string target, string reason) => new SentinelException(
            ErrorIds.UnsafeDestination,
            ErrorCategory.SecurityError,
            computerName,
            $"Refused to write '{target}' on {computerName} as root: {reason}. Nothing was written.",
            "Copy to a path whose directories only root (or the login user, or the file's owner) can change, or give -Owner the user who owns that directory.");

        public static SentinelException UnsafeRemoteName(string computerName, string directory, string name) => new SentinelException(
            ErrorIds.UnsafeRemoteName,
            ErrorCategory.SecurityError,
            computerName,
            $"{computerName} listed an entry named {Printable(name)} in '{directory}': a name that is empty, '.', '..', or holds a path separator or NUL could put a file outside the destination, so it was not copied.",
            "A real file system has no such name: the server is broken or hostile. The other files were copied; check what it sent.");

        public static SentinelException OutsideDestination(string computerName, string source, string target, string destination) => new SentinelException(
            ErrorIds.UnsafeRemoteName,
            ErrorCategory.SecurityError,
            computerName,
            $"'{source}' on {computerName} would be written to '{target}', outside the destination '{destination}', so it was not copied.",
            "Name the remote item itself (not '..' or '/'), or check what the server sent.");

        public static SentinelException TreeTooLarge(string computerName, string path, string reason) => new SentinelException(
            ErrorIds.RemoteTreeTooLarge,
            ErrorCategory.LimitsExceeded,
            computerName,
            $"'{path}' on {computerName} was not copied in full: {reason}.",
            "Copy smaller parts of the tree; a listing or a tree this large is more likely a broken or hostile server than real files.");

        public static SentinelException Timeout(string computerName, string destination, TimeSpan limit) => new SentinelException(
            ErrorIds.CopyTimeout,
            ErrorCategory.OperationTimeout,
            computerName,
            $"The copy to or from {computerName} ('{destination}') did not finish within {limit.TotalSeconds:0.##} s (-Timeout) and was stopped; what was already in place stays, nothing half-written replaced a file.",
            "Raise -Timeout for large files or slow links, or check the host: a -Validate command or sha256sum that never ends stalls a copy.");

        public static SentinelException InvalidValidate(string validate) => new SentinelException(
            ErrorIds.InvalidArgument,
            ErrorCategory.InvalidArgument,
            null,
            $"-Validate '{validate}' does not contain '{{}}', the place for the new file's path. Nothing was copied.",
            "Write the command with {} where the file goes, for example: -Validate 'visudo -cf {}'.");

        /// <summary>A name a server sent, quoted, with control characters (NUL, newlines, escapes) shown as \uXXXX.</summary>
        private static string Printable(string name)
        {
            var text = new System.Text.StringBuilder("'");
            foreach (var c in name)
            {
                text.Append(char.IsControl(c) ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString());
            }

            return text.Append('\'').ToString();
        }
    }
}
