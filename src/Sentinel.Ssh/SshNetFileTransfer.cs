using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;
using Sentinel.Transport;

namespace Sentinel.Ssh
{
    /// <summary>
    /// SFTP over the session's own authenticated connection. SSH.NET has no public way to run an
    /// SftpClient on an SshClient's connection, but BaseClient.Connect() keeps a session that is
    /// already set and connected and only opens the SFTP channel on it: the session is handed over
    /// by reflection (BaseClient.Session's private setter, <see cref="SshNetInternals"/>) and taken back before the SftpClient is disposed, so disposing it
    /// closes the SFTP channel and never the connection. No second login, no second key exchange.
    /// </summary>
    internal sealed class SshNetFileTransfer : IFileTransfer
    {
        /// <summary>How long one SFTP request may wait for its answer (a frozen server, not a slow transfer).</summary>
        private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(60);

        /// <summary>Bytes per SFTP read or write request; OpenSSH's sftp-server takes up to 255 KiB.</summary>
        private const uint RequestSize = 64 * 1024;

        private readonly SftpClient _sftp;

        /// <summary>Requests sent without a thread waiting; null when this SSH.NET build has no way to (then each call waits, as SftpClient's do).</summary>
        private SftpRequests? _requests;

        private SshNetFileTransfer(SftpClient sftp)
        {
            _sftp = sftp;
        }

        public static SshNetFileTransfer Open(SshClient client)
        {
            var setter = SshNetInternals.ClientSession?.GetSetMethod(true);
            var session = SshNetInternals.ClientSession?.GetValue(client);
            if (setter == null || session == null)
            {
                throw new FileTransferException("this SSH.NET build offers no way to open SFTP on an existing connection", permissionDenied: false);
            }

            var sftp = new SftpClient(client.ConnectionInfo) { OperationTimeout = OperationTimeout, BufferSize = RequestSize };
            setter.Invoke(sftp, new[] { session });
            var transfer = new SshNetFileTransfer(sftp);
            try
            {
                sftp.Connect();
                transfer._requests = SftpRequests.For(sftp, OperationTimeout);
                return transfer;
            }
            catch (Exception e) when (IsSshFailure(e))
            {
                transfer.Dispose();
                if (SshNetConnection.IsChannelRefusal(client, e))
                {
                    throw new ChannelRefusedException(e.Message, e);
                }

                throw new FileTransferException($"the server refused the SFTP subsystem ({e.Message}); is 'Subsystem sftp' configured in sshd_config?", permissionDenied: false, e);
            }
        }

        public RemoteFileInfo? Stat(string path) => Do(() =>
        {
            try
            {
                var file = _sftp.Get(path);
                return Describe(file.FullName, file.Attributes);
            }
            catch (SftpPathNotFoundException)
            {
                return null;
            }
        });

        public async Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken)
        {
            RemoteFileInfo? info = null;
            await DoAsync(async () =>
            {
                try
                {
                    var file = await _sftp.GetAsync(path, cancellationToken).ConfigureAwait(false);
                    info = Describe(file.FullName, file.Attributes);
                }
                catch (SftpPathNotFoundException)
                {
                    info = null;
                }
            }).ConfigureAwait(false);
            return info;
        }

        /// <summary>
        /// SSH.NET gives each entry as the listed directory's canonical path, '/', and the name the
        /// server sent, and then cuts its Name at the last '/' (so '../' arrives as ""). The name is taken
        /// back whole from FullName, after the canonical path asked for first; an entry that does not
        /// start with it (a server answering realpath two ways) gets its full name, which holds '/', and
        /// is refused by the engine like any name with a separator.
        /// </summary>
        public async Task<IReadOnlyList<RemoteFileInfo>> ListAsync(string directory, int maxEntries, CancellationToken cancellationToken)
        {
            var entries = new List<RemoteFileInfo>();
            await DoAsync(async () =>
            {
                var canonical = (await _sftp.GetAsync(directory, cancellationToken).ConfigureAwait(false)).FullName;
                var prefix = canonical.EndsWith("/", StringComparison.Ordinal) ? canonical : canonical + "/";
                await foreach (var entry in _sftp.ListDirectoryAsync(canonical, cancellationToken).ConfigureAwait(false))
                {
                    var name = entry.FullName.StartsWith(prefix, StringComparison.Ordinal) ? entry.FullName.Substring(prefix.Length) : entry.FullName;
                    if (name == "." || name == "..")
                    {
                        continue;
                    }

                    entries.Add(Describe(entry.FullName, entry.Attributes, name));
                    if (entries.Count >= maxEntries)
                    {
                        break; // closes the listing's handle
                    }
                }
            }).ConfigureAwait(false);
            return entries;
        }

        /// <summary>
        /// Made empty and private first (open with O_EXCL, then fchmod 0600 on its handle): the content never
        /// sits in a file others may read. A file of one request or less is written on that handle, so its
        /// whole upload is four requests, none waiting on a thread; a larger one goes through SSH.NET's
        /// upload, which keeps many writes in flight.
        /// </summary>
        public async Task UploadNewAsync(Stream source, string path, Action<long> progress, CancellationToken cancellationToken)
        {
            if (_requests == null)
            {
                Do(() =>
                {
                    _sftp.Open(path, FileMode.CreateNew, FileAccess.Write).Dispose();
                    _sftp.ChangePermissions(path, 600);
                    return true;
                });
            }
            else if (await WriteSmallAsync(_requests, source, path, progress, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await DoAsync(() => _sftp.UploadFileAsync(source, path, true, new Reporter<UploadFileProgressReport>(r => progress((long)r.TotalBytesUploaded)), cancellationToken)).ConfigureAwait(false);
        }

        /// <summary>Creates the private file; writes <paramref name="source"/> into it when it fits one request (true), else leaves it empty (false).</summary>
        private static async Task<bool> WriteSmallAsync(SftpRequests requests, Stream source, string path, Action<long> progress, CancellationToken cancellationToken)
        {
            var small = LengthOf(source) is long length && length <= RequestSize;
            var written = false;
            await DoAsync(async () =>
            {
                var handle = await requests.OpenNewAsync(path, cancellationToken).ConfigureAwait(false);
                try
                {
                    await requests.SetModeAsync(handle, 600, cancellationToken).ConfigureAwait(false);
                    if (small)
                    {
                        var buffer = new byte[RequestSize];
                        ulong offset = 0;
                        int read;
                        // A local read of one request's bytes at most: read in place.
                        while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
                        {
                            await requests.WriteAsync(handle, offset, buffer, read, cancellationToken).ConfigureAwait(false);
                            offset += (ulong)read;
                            progress((long)offset);
                        }

                        written = true;
                    }
                }
                finally
                {
                    await requests.CloseAsync(handle, CancellationToken.None).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            return written;
        }

        private static long? LengthOf(Stream source)
        {
            try
            {
                return source.Length;
            }
            catch (NotSupportedException)
            {
                return null;
            }
        }

        public async Task DownloadAsync(string path, Stream destination, Action<long> progress, CancellationToken cancellationToken)
        {
            try
            {
                await DoAsync(() => _sftp.DownloadFileAsync(path, destination, new Reporter<DownloadFileProgressReport>(r => progress((long)r.TotalBytesDownloaded)), cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is FileTransferException || e is OperationCanceledException || e is IOException || e is UnauthorizedAccessException))
            {
                // SSH.NET's reader trusts the server's replies: a READ answered with more bytes than asked
                // surfaces as a KeyNotFoundException from its read-ahead bookkeeping, for example.
                throw new FileTransferException($"the server's reply broke the transfer ({e.GetType().Name}: {e.Message})", permissionDenied: false, e);
            }
        }

        /// <summary>
        /// SftpClient.RenameFile first asks the server for each path's realpath, which follows a link at
        /// the new name: a link planted there would be written through. The SFTP session's own request
        /// sends the names as given (<see cref="SshNetInternals.SftpPosixRename"/>).
        /// </summary>
        public void Replace(string from, string to) => Do(() =>
        {
            var session = SshNetInternals.SftpSession?.GetValue(_sftp);
            var posixRename = SshNetInternals.SftpPosixRename;
            if (session == null || posixRename == null)
            {
                throw new FileTransferException("this SSH.NET build offers no way to rename without following a link at the new name", permissionDenied: false);
            }

            try
            {
                posixRename.Invoke(session, new object[] { from, to });
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }

            return true;
        });

        /// <summary>As <see cref="Replace"/>; the posix-rename is sent and awaited.</summary>
        public async Task ReplaceAsync(string from, string to, CancellationToken cancellationToken)
        {
            if (_requests == null)
            {
                Replace(from, to);
                return;
            }

            var requests = _requests;
            await DoAsync(() => requests.PosixRenameAsync(from, to, cancellationToken)).ConfigureAwait(false);
        }

        public void Remove(string path) => Do(() =>
        {
            _sftp.DeleteFile(path);
            return true;
        });

        public void CreateDirectory(string path) => Do(() =>
        {
            _sftp.CreateDirectory(path);
            return true;
        });

        public void RemoveDirectory(string path) => Do(() =>
        {
            _sftp.DeleteDirectory(path);
            return true;
        });

        public void SetOwner(string path, int userId, int groupId) => Do(() =>
        {
            var attributes = _sftp.GetAttributes(path);
            if (attributes.UserId != userId || attributes.GroupId != groupId)
            {
                attributes.UserId = userId;
                attributes.GroupId = groupId;
                _sftp.SetAttributes(path, attributes);
            }

            return true;
        });

        public void SetMode(string path, int mode) => Do(() =>
        {
            _sftp.ChangePermissions(path, OctalDigits(mode));
            return true;
        });

        /// <summary>SSH.NET reads a short's decimal digits as octal ones: 644 means rw-r--r--.</summary>
        private static short OctalDigits(int mode)
        {
            if (mode > Convert.ToInt32("777", 8))
            {
                throw new FileTransferException($"SFTP sets permission bits only (mode {Convert.ToString(mode, 8)} has special bits)", permissionDenied: false);
            }

            return short.Parse(Convert.ToString(mode, 8), System.Globalization.CultureInfo.InvariantCulture);
        }

        /// <summary>As <see cref="SetMode"/>; one setstat sent and awaited, without SftpClient's realpath and lstat first.</summary>
        public async Task SetModeAsync(string path, int mode, CancellationToken cancellationToken)
        {
            if (_requests == null)
            {
                SetMode(path, mode);
                return;
            }

            var requests = _requests;
            var digits = OctalDigits(mode);
            await DoAsync(() => requests.SetModeAsync(path, digits, cancellationToken)).ConfigureAwait(false);
        }

        public void Dispose()
        {
            // Take the session back first: disposing the client then closes only the SFTP channel.
            try
            {
                SshNetInternals.ClientSession?.GetSetMethod(true)?.Invoke(_sftp, new object?[] { null });
                _sftp.Dispose();
            }
            catch (Exception e) when (IsSshFailure(e) || e is TargetInvocationException)
            {
                // The connection under the channel is already gone.
            }
        }

        private static RemoteFileInfo Describe(string fullName, SftpFileAttributes attributes, string? name = null)
        {
            var kind = attributes.IsRegularFile ? RemoteFileKind.File
                : attributes.IsDirectory ? RemoteFileKind.Directory
                : attributes.IsSymbolicLink ? RemoteFileKind.SymbolicLink
                : RemoteFileKind.Other;
            var mode = 0;
            var bits = new[]
            {
                attributes.IsUIDBitSet, attributes.IsGroupIDBitSet, attributes.IsStickyBitSet,
                attributes.OwnerCanRead, attributes.OwnerCanWrite, attributes.OwnerCanExecute,
                attributes.GroupCanRead, attributes.GroupCanWrite, attributes.GroupCanExecute,
                attributes.OthersCanRead, attributes.OthersCanWrite, attributes.OthersCanExecute,
            };
            foreach (var bit in bits)
            {
                mode = (mode << 1) | (bit ? 1 : 0);
            }

            return new RemoteFileInfo(fullName, kind, attributes.Size, mode, attributes.UserId, attributes.GroupId, name);
        }

        private static T Do<T>(Func<T> operation)
        {
            try
            {
                return operation();
            }
            catch (Exception e) when (IsSshFailure(e))
            {
                throw Translate(e);
            }
        }

        private static async Task DoAsync(Func<Task> operation)
        {
            try
            {
                await operation().ConfigureAwait(false);
            }
            catch (Exception e) when (IsSshFailure(e))
            {
                throw Translate(e);
            }
        }

        private static bool IsSshFailure(Exception e) => e is SshException || e is ObjectDisposedException || e is InvalidOperationException || e is System.Net.Sockets.SocketException;

        private static FileTransferException Translate(Exception e) => e is FileTransferException known
            ? known
            : new FileTransferException(e.Message, e is SftpPermissionDeniedException, e);

        /// <summary>Reports on the transfer's own thread: Progress&lt;T&gt; would post each report to the thread pool.</summary>
        private sealed class Reporter<T> : IProgress<T>
        {
            private readonly Action<T> _report;

            public Reporter(Action<T> report)
            {
                _report = report;
            }

            public void Report(T value) => _report(value);
        }
    }
}
