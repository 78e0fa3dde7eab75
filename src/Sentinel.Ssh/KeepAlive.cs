using System;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Messages.Connection;

namespace Sentinel.Ssh
{
    /// <summary>
    /// Sends OpenSSH's keepalive@openssh.com global request with want-reply, as ssh's
    /// ServerAliveInterval does, and waits for the answer. SSH.NET's own KeepAliveInterval sends
    /// SSH_MSG_IGNORE, which the server never answers, so it cannot tell a frozen server from a quiet
    /// one. SSH.NET has no public API for global requests: its session is reached by reflection
    /// (<see cref="SshNetInternals"/>).
    /// </summary>
    internal sealed class KeepAlive : IDisposable
    {
        private static readonly byte[] RequestName = Encoding.ASCII.GetBytes("keepalive@openssh.com");

        private readonly object _session;
        private readonly EventHandler<MessageEventArgs<RequestFailureMessage>> _onFailure;
        private readonly EventHandler<MessageEventArgs<RequestSuccessMessage>> _onSuccess;
        private readonly SemaphoreSlim _replies = new SemaphoreSlim(0);
        private readonly SemaphoreSlim _oneAtATime = new SemaphoreSlim(1, 1);

        private KeepAlive(object session)
        {
            _session = session;

            // OpenSSH answers an unknown global request with REQUEST_FAILURE; either reply proves it is alive.
            _onFailure = (sender, e) => _replies.Release();
            _onSuccess = (sender, e) => _replies.Release();
            SshNetInternals.SessionRequestFailure!.AddEventHandler(_session, _onFailure);
            SshNetInternals.SessionRequestSuccess!.AddEventHandler(_session, _onSuccess);
        }

        /// <summary>The keepalive for a connected client, or null when this SSH.NET build lacks what it needs.</summary>
        public static KeepAlive? For(SshClient client)
        {
            var session = SshNetInternals.CanPing ? SshNetInternals.ClientSession!.GetValue(client) : null;
            return session != null ? new KeepAlive(session) : null;
        }

        /// <summary>
        /// True when the server answered within <paramref name="timeout"/>. Without a keepalive (this
        /// SSH.NET build cannot send one) the server was not asked, so it is never reported alive: the
        /// connection is declared lost after ServerAliveCountMax pings, not kept on a frozen server.
        /// </summary>
        public static Task<bool> PingAsync(KeepAlive? keepAlive, TimeSpan timeout) =>
            keepAlive?.PingAsync(timeout) ?? Task.FromResult(false);

        public async Task<bool> PingAsync(TimeSpan timeout)
        {
            // Replies carry no request id: they answer requests in order, so one ping at a time.
            if (!await _oneAtATime.WaitAsync(timeout).ConfigureAwait(false))
            {
                return false;
            }

            try
            {
                while (_replies.CurrentCount > 0)
                {
                    _replies.Wait(0); // a late reply to an earlier ping that timed out
                }

                SshNetInternals.SessionSendMessage!.Invoke(_session, new[] { SshNetInternals.GlobalRequest!.Invoke(new object[] { RequestName, true }) });
                return await _replies.WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (TargetInvocationException)
            {
                return false; // the send failed: the connection is gone
            }
            finally
            {
                _oneAtATime.Release();
            }
        }

        public void Dispose()
        {
            SshNetInternals.SessionRequestFailure!.RemoveEventHandler(_session, _onFailure);
            SshNetInternals.SessionRequestSuccess!.RemoveEventHandler(_session, _onSuccess);
        }
    }
}
