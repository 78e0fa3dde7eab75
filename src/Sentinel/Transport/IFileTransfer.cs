using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Transport
{
    /// <summary>
    /// File operations on one SSH connection (SFTP in the adapter). Remote paths are plain strings
    /// sent as SFTP path fields, never through a shell. Paths are resolved by the server
    /// (realpath): symbolic links and <c>..</c> are followed as the kernel follows them.
    /// Failures other than a stop surface as <see cref="FileTransferException"/>.
    /// </summary>
    internal interface IFileTransfer : IDisposable
    {
        /// <summary>The file at <paramref name="path"/>, symbolic links followed; null when nothing is there.</summary>
        RemoteFileInfo? Stat(string path);

        /// <summary>As <see cref="Stat"/>, without holding a thread: many can be in flight at once on the one channel.</summary>
        Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken);

        /// <summary>
        /// The entries of a directory (without its own . and ..), each as lstat sees it, with
        /// <see cref="RemoteFileInfo.Name"/> exactly as the server sent it (a hostile server may send
        /// anything there). Reads at most <paramref name="maxEntries"/> entries, then closes the listing.
        /// </summary>
        Task<IReadOnlyList<RemoteFileInfo>> ListAsync(string directory, int maxEntries, CancellationToken cancellationToken);

        /// <summary>
        /// Creates a new file (failing when the name exists) readable only by its owner, and streams
        /// <paramref name="source"/> into it. Several may run at once on the one channel.
        /// </summary>
        Task UploadNewAsync(Stream source, string path, Action<long> progress, CancellationToken cancellationToken);

        /// <summary>Streams the file at <paramref name="path"/> into <paramref name="destination"/>.</summary>
        Task DownloadAsync(string path, Stream destination, Action<long> progress, CancellationToken cancellationToken);

        /// <summary>Renames over an existing file in one step (rename(2), OpenSSH's posix-rename).</summary>
        void Replace(string from, string to);

        /// <summary>As <see cref="Replace"/>, without holding a thread: many can be in flight at once on the one channel.</summary>
        Task ReplaceAsync(string from, string to, CancellationToken cancellationToken);

        void Remove(string path);

        void CreateDirectory(string path);

        /// <summary>Removes an empty directory.</summary>
        void RemoveDirectory(string path);

        /// <summary>Gives the file this owner and group (SFTP setstat; a user may give only what chown(2) lets it).</summary>
        void SetOwner(string path, int userId, int groupId);

        /// <summary>Sets the permission bits (07777 at most).</summary>
        void SetMode(string path, int mode);

        /// <summary>As <see cref="SetMode"/>, without holding a thread: many can be in flight at once on the one channel.</summary>
        Task SetModeAsync(string path, int mode, CancellationToken cancellationToken);
    }

    internal enum RemoteFileKind
    {
        File,
        Directory,
        SymbolicLink,
        Other,
    }

    /// <summary>What SFTP's stat tells about a remote file.</summary>
    internal sealed class RemoteFileInfo
    {
        public RemoteFileInfo(string fullName, RemoteFileKind kind, long length, int mode, int userId, int groupId, string? name = null)
        {
            FullName = fullName;
            Name = name ?? Files.RemotePath.NameOf(fullName);
            Kind = kind;
            Length = length;
            Mode = mode;
            UserId = userId;
            GroupId = groupId;
        }

        /// <summary>The absolute path the server resolved (links followed for <see cref="IFileTransfer.Stat"/>).</summary>
        public string FullName { get; }

        /// <summary>The entry's name as the server listed it (for a listing), else the last segment of <see cref="FullName"/>.</summary>
        public string Name { get; }

        public RemoteFileKind Kind { get; }

        public long Length { get; }

        /// <summary>Permission bits, 07777 at most.</summary>
        public int Mode { get; }

        public int UserId { get; }

        public int GroupId { get; }
    }

    /// <summary>A file operation the server refused or could not do; the engine names host and path.</summary>
    internal sealed class FileTransferException : Exception
    {
        public FileTransferException(string message, bool permissionDenied, Exception? inner = null)
            : base(message, inner)
        {
            PermissionDenied = permissionDenied;
        }

        public bool PermissionDenied { get; }
    }
}
