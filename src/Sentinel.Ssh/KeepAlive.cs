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
    /// one. SSH.NET has no public API for global requests: its session is reached by reflection,
    /// checked once per connection; against SSH.NET 2026.0.0, the version pinned in Directory.Packages.props.
    /// </summary>
    internal sealed class KeepAlive : IDisposable
    {
        private static readonly byte[] RequestName = Encoding.ASCII.GetBytes("keepalive@openssh.com");
        private static readonly PropertyInfo? SessionProperty = typeof(BaseClient).GetProperty("Session", BindingFlags.NonPublic | BindingFlags.Instance);
        private static readonly ConstructorInfo? RequestConstructor = typeof(GlobalRequestMessage).GetConstructor(
            BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance, null, new[] { typeof(byte[]), typeof(bool) }, null);

        private readonly object _session;
        private readonly MethodInfo _sendMessage;
        private readonly EventInfo _failureEvent;
        private readonly EventInfo _successEvent;
        private readonly EventHandler<MessageEventArgs<RequestFailureMessage>> _onFailure;
        private readonly EventHandler<MessageEventArgs<RequestSuccessMessage>> _onSuccess;
        private readonly SemaphoreSlim _replies = new SemaphoreSlim(0);
        private readonly SemaphoreSlim _oneAtATime = new SemaphoreSlim(1, 1);

        private KeepAlive(object session, Type sessionInterface)
        {
            _session = session;
            _sendMessage = sessionInterface.GetMethod("SendMessage")!;
            _failureEvent = sessionInterface.GetEvent("RequestFailureReceived")!;
            _successEvent = sessionInterface.GetEvent("RequestSuccessReceived")!;

            // OpenSSH answers an unknown global request with REQUEST_FAILURE; either reply proves it is alive.
            _onFailure = (sender, e) => _replies.Release();
            _onSuccess = (sender, e) => _replies.Release();
            _failureEvent.AddEventHandler(_session, _onFailure);
            _successEvent.AddEventHandler(_session, _onSuccess);
        }

        /// <summary>The keepalive for a connected client, or null when this SSH.NET build lacks what it needs.</summary>
        public static KeepAlive? For(SshClient client)
        {
            var session = SessionProperty?.GetValue(client);
            var sessionInterface = session?.GetType().GetInterface("Renci.SshNet.ISession");
            if (session == null || sessionInterface == null || RequestConstructor == null
                || sessionInterface.GetMethod("SendMessage") == null
                || sessionInterface.GetEvent("RequestFailureReceived") == null
                || sessionInterface.GetEvent("RequestSuccessReceived") == null)
            {
                return null;
            }

            return new KeepAlive(session, sessionInterface);
        }

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

                _sendMessage.Invoke(_session, new[] { RequestConstructor!.Invoke(new object[] { RequestName, true }) });
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
            _failureEvent.RemoveEventHandler(_session, _onFailure);
            _successEvent.RemoveEventHandler(_session, _onSuccess);
        }
    }
}
