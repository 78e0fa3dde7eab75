using System;
using System.Collections.Generic;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace Sentinel.Ssh
{
    /// <summary>
    /// SFTP requests sent on SSH.NET's SFTP session and awaited, never waited for on a blocked thread, and
    /// without the realpath request SftpClient sends before each call: many small files' open, fsetstat,
    /// write, close, setstat and posix-rename can then be in flight at once on the one channel, each answer
    /// matched to its request by id (SSH.NET's session keeps that table). Reached through
    /// <see cref="SshNetInternals"/>; null from <see cref="For"/> when this SSH.NET build lacks a member.
    /// </summary>
    internal sealed class SftpRequests
    {
        /// <summary>Wraps a handler taking the answer as object into SSH.NET's Action&lt;SftpStatusResponse&gt;.</summary>
        private static readonly Func<Action<object>, Delegate>? StatusCallback = SshNetInternals.CanPipelineSftp ? BuildStatusCallback(SshNetInternals.SftpStatusResponse!) : null;

        private static readonly object WriteCreateNew = SshNetInternals.CanPipelineSftp
            ? Enum.Parse(SshNetInternals.SftpOpenAsync!.GetParameters()[1].ParameterType, "Write, CreateNew")
            : 0;

        private readonly object _session;
        private readonly TimeSpan _timeout;

        private SftpRequests(object session, TimeSpan timeout)
        {
            _session = session;
            _timeout = timeout;
        }

        /// <summary>The SFTP session of a connected <paramref name="sftp"/>, or null when SSH.NET offers no way to send these.</summary>
        public static SftpRequests? For(SftpClient sftp, TimeSpan timeout)
        {
            var session = SshNetInternals.CanPipelineSftp ? SshNetInternals.SftpSession!.GetValue(sftp) : null;
            return session == null ? null : new SftpRequests(session, timeout);
        }

        /// <summary>Opens a new file for writing; fails when the name exists (O_CREAT|O_EXCL, so never through a link there).</summary>
        public Task<byte[]> OpenNewAsync(string path, CancellationToken cancellationToken) =>
            WithTimeoutAsync(token => (Task<byte[]>)Invoke(SshNetInternals.SftpOpenAsync!, path, WriteCreateNew, token), cancellationToken);

        public Task WriteAsync(byte[] handle, ulong offset, byte[] data, int count, CancellationToken cancellationToken) =>
            WithTimeoutAsync(token => (Task)Invoke(SshNetInternals.SftpWriteAsync!, handle, offset, data, 0, count, token), cancellationToken);

        public Task CloseAsync(byte[] handle, CancellationToken cancellationToken) =>
            WithTimeoutAsync(token => (Task)Invoke(SshNetInternals.SftpCloseAsync!, handle, token), cancellationToken);

        /// <summary>Sets the permission bits of an open file (fchmod): nothing else of it is sent.</summary>
        public Task SetModeAsync(byte[] handle, short octalDigits, CancellationToken cancellationToken) =>
            SendStatusRequestAsync(null, (version, id, done) => SshNetInternals.SftpFSetStatRequest!.Invoke(new object[] { version, id, handle, ModeOnly(octalDigits), done }), cancellationToken);

        /// <summary>Sets the permission bits of <paramref name="path"/> (chmod, which follows a link as SftpClient's does).</summary>
        public Task SetModeAsync(string path, short octalDigits, CancellationToken cancellationToken) =>
            SendStatusRequestAsync(path, (version, id, done) => SshNetInternals.SftpSetStatRequest!.Invoke(new object[] { version, id, path, Encoding, ModeOnly(octalDigits), done }), cancellationToken);

        /// <summary>rename(2) with the names as given (posix-rename@openssh.com): replaces a link at <paramref name="to"/>, never writes through it.</summary>
        public Task PosixRenameAsync(string from, string to, CancellationToken cancellationToken)
        {
            var extensions = (IDictionary<string, string>?)SshNetInternals.SftpExtensions!.GetValue(_session);
            if (extensions == null || !extensions.ContainsKey("posix-rename@openssh.com"))
            {
                // As SSH.NET's own RequestPosixRename says it.
                throw new NotSupportedException("Extension method posix-rename@openssh.com currently not supported by the server.");
            }

            return SendStatusRequestAsync(from, (version, id, done) => SshNetInternals.SftpPosixRenameRequest!.Invoke(new object[] { version, id, from, to, Encoding, done }), cancellationToken);
        }

        private Encoding Encoding => (Encoding)SshNetInternals.SftpEncoding!.GetValue(_session)!;

        /// <summary>Attributes whose only change is the permission bits: SSH.NET sends only what changed.</summary>
        private static SftpFileAttributes ModeOnly(short octalDigits)
        {
            var attributes = (SftpFileAttributes)SshNetInternals.SftpAttributes!.Invoke(new object?[] { default(DateTime), default(DateTime), 0L, 0, 0, 0u, null });
            attributes.SetPermissions(octalDigits);
            return attributes;
        }

        /// <summary>Sends a request answered by a status and completes with it: SSH.NET's exception for a failure (naming <paramref name="path"/>).</summary>
        private Task<bool> SendStatusRequestAsync(string? path, Func<uint, uint, Delegate, object> makeRequest, CancellationToken cancellationToken) =>
            WithTimeoutAsync(
                async token =>
                {
                    var answered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    var done = StatusCallback!(response =>
                    {
                        var failure = (Exception?)SshNetInternals.SftpStatusException!.Invoke(null, new[] { response, path });
                        if (failure == null)
                        {
                            answered.TrySetResult(true);
                        }
                        else
                        {
                            answered.TrySetException(failure);
                        }
                    });
                    var version = (uint)SshNetInternals.SftpProtocolVersion!.GetValue(_session)!;
                    var id = (uint)SshNetInternals.SftpNextRequestId!.GetValue(_session)!;
                    using (token.Register(() => answered.TrySetCanceled(token)))
                    {
                        Invoke(SshNetInternals.SftpSendRequest!, makeRequest(version, id, done));
                        return await answered.Task.ConfigureAwait(false);
                    }
                },
                cancellationToken);

        /// <summary>
        /// Runs a request that ends within the operation timeout, as SftpClient's blocking
        /// calls do: a frozen server fails the file with a timeout instead of hanging the copy.
        /// </summary>
        private async Task<T> WithTimeoutAsync<T>(Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
        {
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                limit.CancelAfter(_timeout);
                try
                {
                    return await request(limit.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new SshOperationTimeoutException(OperationTimeoutFor);
                }
            }
        }

        private async Task WithTimeoutAsync(Func<CancellationToken, Task> request, CancellationToken cancellationToken) =>
            await WithTimeoutAsync(
                async token =>
                {
                    await request(token).ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);

        private string OperationTimeoutFor => $"Operation has timed out after {_timeout.TotalSeconds:0} s.";

        private object Invoke(MethodInfo method, params object[] arguments)
        {
            try
            {
                return method.Invoke(_session, arguments)!;
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        private static Func<Action<object>, Delegate> BuildStatusCallback(Type statusResponse)
        {
            var handler = Expression.Parameter(typeof(Action<object>), "handler");
            var response = Expression.Parameter(statusResponse, "response");
            var callback = Expression.Lambda(typeof(Action<>).MakeGenericType(statusResponse), Expression.Invoke(handler, Expression.Convert(response, typeof(object))), response);
            return Expression.Lambda<Func<Action<object>, Delegate>>(callback, handler).Compile();
        }
    }
}
