using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Sentinel.Transport;

namespace Sentinel.Connections
{
    /// <summary>
    /// A connection reached through jump hosts: the target's connection, carried over local forwards
    /// (bound to 127.0.0.1) through each bastion. Closing it closes the target, then the forwards and
    /// bastions, last hop first, so no forward outlives the session.
    /// </summary>
    internal sealed class ChainedConnection : ISshConnection
    {
        private readonly ISshConnection _target;
        private readonly IReadOnlyList<IDisposable> _hops;

        /// <param name="hops">Bastion connections and their forwards, in the order they were opened.</param>
        public ChainedConnection(ISshConnection target, IReadOnlyList<IDisposable> hops)
        {
            _target = target;
            _hops = hops;
        }

        public string ServerVersion => _target.ServerVersion;

        public string Algorithms => _target.Algorithms;

        public bool IsConnected => _target.IsConnected;

        public IRemoteProcess Start(string commandText) => _target.Start(commandText);

        public Task<bool> PingAsync(TimeSpan timeout) => _target.PingAsync(timeout);

        public IPortForward ForwardLocal(string host, int port) => _target.ForwardLocal(host, port);

        public IFileTransfer OpenFileTransfer() => _target.OpenFileTransfer();

        public void Dispose()
        {
            _target.Dispose();
            for (var i = _hops.Count - 1; i >= 0; i--)
            {
                _hops[i].Dispose();
            }
        }
    }
}
