using System;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Transport;

namespace Sentinel.Connections
{
    /// <summary>
    /// A connection watched by a keepalive, as ssh's ServerAliveInterval/ServerAliveCountMax do: every
    /// interval it asks the server for a reply, and after CountMax missed replies in a row it declares
    /// the connection lost, so a running command fails at once instead of waiting on a frozen server.
    /// </summary>
    internal sealed class LiveConnection : IDisposable
    {
        private readonly CancellationTokenSource _closing = new CancellationTokenSource();
        private readonly TaskCompletionSource<string> _lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _channelsOpened;
        private int _closedAfterOneChannel;

        public LiveConnection(ISshConnection connection, KeepAliveSettings keepAlive)
        {
            Connection = connection;
            KeepAlive = keepAlive;
            if (keepAlive.Interval > TimeSpan.Zero)
            {
                _ = Task.Run(MonitorAsync);
            }
        }

        /// <summary>The channels this connection may have open at once, learnt from the server; commands and SFTP queue here for a place.</summary>
        public ChannelBudget Channels { get; } = new ChannelBudget();

        /// <summary>How many channels have opened on this connection: one that closes after it carried some may be a server that allows one channel per connection.</summary>
        public int ChannelsOpened => Volatile.Read(ref _channelsOpened);

        public ISshConnection Connection { get; }

        public KeepAliveSettings KeepAlive { get; }

        /// <summary>Completes, with the reason, when the keepalive declares the connection dead.</summary>
        public Task<string> Lost => _lost.Task;

        public bool IsAlive => !_lost.Task.IsCompleted && Connection.IsConnected;

        /// <summary>Counts a channel the server opened.</summary>
        public void ChannelOpened() => Interlocked.Increment(ref _channelsOpened);

        /// <summary>
        /// Closed with no channel open, after carrying some: what a server that closes the connection
        /// after one channel (tinysshd) does, as a restarted server may once.
        /// </summary>
        public bool ClosedAfterItsChannels => ChannelsOpened > 0 && Channels.InUse == 0;

        /// <summary>
        /// Whether a channel may open beside none on this connection. After its first channel, a server
        /// that closes the connection after one channel (tinysshd) may be closing it right now, and a
        /// channel opened into that close is lost with whatever it ran. One round trip tells: the
        /// server answered everything sent before the ping, or the connection closed. Later channels,
        /// and a server that does not answer pings, go ahead.
        /// </summary>
        public async Task<bool> StillOpenAfterItsChannelAsync()
        {
            if (ChannelsOpened != 1)
            {
                return true;
            }

            return await Connection.PingAsync(ChannelCheckTimeout).ConfigureAwait(false) || Connection.IsConnected;
        }

        /// <summary>How long the check before a connection's second channel waits for the server's answer.</summary>
        private static readonly TimeSpan ChannelCheckTimeout = TimeSpan.FromSeconds(5);

        /// <summary>True the first time only, so that <see cref="LiveSession.NoteClosedAfterOneChannel"/> counts each connection once.</summary>
        public bool MarkClosedAfterOneChannel() => Interlocked.Exchange(ref _closedAfterOneChannel, 1) == 0;

        private async Task MonitorAsync()
        {
            var missed = 0;
            try
            {
                while (true)
                {
                    await Task.Delay(KeepAlive.Interval, _closing.Token).ConfigureAwait(false);
                    if (await Connection.PingAsync(KeepAlive.Interval).ConfigureAwait(false))
                    {
                        missed = 0;
                        continue;
                    }

                    if (++missed >= KeepAlive.CountMax)
                    {
                        _lost.TrySetResult($"the server did not answer {missed} keepalives in a row ({KeepAlive.Interval.TotalSeconds:0.#} s apart)");
                        Connection.Dispose();
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Closed by the user.
            }
        }

        public void Dispose()
        {
            _closing.Cancel();
            Connection.Dispose();
        }
    }

    /// <summary>How often to check that the server still answers, and how many misses mean dead.</summary>
    internal sealed class KeepAliveSettings
    {
        public static readonly KeepAliveSettings Default = new KeepAliveSettings(TimeSpan.FromSeconds(15), 3);

        public KeepAliveSettings(TimeSpan interval, int countMax)
        {
            Interval = interval;
            CountMax = countMax;
        }

        /// <summary>Zero turns the keepalive off.</summary>
        public TimeSpan Interval { get; }

        public int CountMax { get; }
    }
}
