using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Connections
{
    /// <summary>
    /// A copy's SFTP channel, which counts against the connection's channel budget like a command's.
    /// Between operations it stays open but gives its place up when a command needs it and the budget
    /// is spent (MaxSessions 1: a copy runs its hash and placement commands one after the other with
    /// its transfers); the next operation opens SFTP again. For a server that closes the connection
    /// after one channel (tinysshd) it opens on a fresh connection of its own, kept for the copy.
    /// Operations may overlap (many small files' requests in flight on the one channel): the channel is
    /// parked only once the last of them has ended.
    /// </summary>
    internal sealed class YieldingFileTransfer : IFileTransfer, IYieldingChannel
    {
        private readonly SentinelSession _session;
        private readonly LiveConnection _connection;
        private readonly Func<CancellationToken, Task<LiveConnection>> _freshConnection;
        /// <summary>Held while the channel is opened, resumed or parked, never across an operation.</summary>
        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1);

        /// <summary>Operations running on <see cref="_channel"/>; it is parked when the count falls to 0.</summary>
        private int _active;
        private IFileTransfer? _channel;
        private IFileTransfer? _parked;
        private LiveConnection? _own;

        private YieldingFileTransfer(SentinelSession session, LiveConnection connection, Func<CancellationToken, Task<LiveConnection>> freshConnection)
        {
            _session = session;
            _connection = connection;
            _freshConnection = freshConnection;
        }

        /// <summary>Opens SFTP at once, so that a server without it fails the copy before anything else.</summary>
        public static async Task<YieldingFileTransfer> OpenAsync(SentinelSession session, LiveConnection connection, Func<CancellationToken, Task<LiveConnection>> freshConnection, CancellationToken cancellationToken)
        {
            var transfer = new YieldingFileTransfer(session, connection, freshConnection);
            await transfer.EnterAsync(cancellationToken).ConfigureAwait(false);
            transfer.Leave();
            return transfer;
        }

        public RemoteFileInfo? Stat(string path) => Use(channel => channel.Stat(path));

        public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken) => UseAsync(channel => channel.StatAsync(path, cancellationToken), cancellationToken);

        public Task<IReadOnlyList<RemoteFileInfo>> ListAsync(string directory, int maxEntries, CancellationToken cancellationToken) => UseAsync(channel => channel.ListAsync(directory, maxEntries, cancellationToken), cancellationToken);

        public Task UploadNewAsync(Stream source, string path, Action<long> progress, CancellationToken cancellationToken) => UseAsync(channel => channel.UploadNewAsync(source, path, progress, cancellationToken), cancellationToken);

        public Task DownloadAsync(string path, Stream destination, Action<long> progress, CancellationToken cancellationToken) => UseAsync(channel => channel.DownloadAsync(path, destination, progress, cancellationToken), cancellationToken);

        public void Replace(string from, string to) => Use(channel => channel.Replace(from, to));

        public Task ReplaceAsync(string from, string to, CancellationToken cancellationToken) => UseAsync(channel => channel.ReplaceAsync(from, to, cancellationToken), cancellationToken);

        public void Remove(string path) => Use(channel => channel.Remove(path));

        public void CreateDirectory(string path) => Use(channel => channel.CreateDirectory(path));

        public void RemoveDirectory(string path) => Use(channel => channel.RemoveDirectory(path));

        public void SetOwner(string path, int userId, int groupId) => Use(channel => channel.SetOwner(path, userId, groupId));

        public void SetMode(string path, int mode) => Use(channel => channel.SetMode(path, mode));

        public Task SetModeAsync(string path, int mode, CancellationToken cancellationToken) => UseAsync(channel => channel.SetModeAsync(path, mode, cancellationToken), cancellationToken);

        /// <summary>Called by the budget once the place went to a waiter: the parked channel closes.</summary>
        void IYieldingChannel.Yield() => Interlocked.Exchange(ref _parked, null)?.Dispose();

        public void Dispose()
        {
            _gate.Wait();
            if (_own != null)
            {
                _channel?.Dispose();
                _own.Dispose();
            }
            else if (_channel != null)
            {
                if (_connection.Channels.Resume(this))
                {
                    _channel.Dispose();
                    _connection.Channels.Release();
                }
                else
                {
                    // Its place already went to a waiter.
                    Interlocked.Exchange(ref _parked, null)?.Dispose();
                }
            }

            _channel = null;
        }

        private void Use(Action<IFileTransfer> operation) => Use(channel =>
        {
            operation(channel);
            return true;
        });

        private T Use<T>(Func<IFileTransfer, T> operation)
        {
            // The synchronous operations run on pool threads of the copy; the wait for a place is short,
            // since the copy runs its commands one after the other.
            var channel = EnterAsync(CancellationToken.None).GetAwaiter().GetResult();
            try
            {
                return operation(channel);
            }
            finally
            {
                Leave();
            }
        }

        private async Task UseAsync(Func<IFileTransfer, Task> operation, CancellationToken cancellationToken) =>
            await UseAsync(async channel =>
            {
                await operation(channel).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);

        private async Task<T> UseAsync<T>(Func<IFileTransfer, Task<T>> operation, CancellationToken cancellationToken)
        {
            var channel = await EnterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await operation(channel).ConfigureAwait(false);
            }
            finally
            {
                Leave();
            }
        }

        private async Task<IFileTransfer> EnterAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_active > 0)
                {
                    // Another operation holds the channel open: this one joins it.
                    _active++;
                    return _channel!;
                }

                if (_channel != null)
                {
                    if (_own != null || _connection.Channels.Resume(this))
                    {
                        _parked = null;
                        _active = 1;
                        return _channel;
                    }

                    // Yielded: whichever of Yield and this comes first closes it.
                    Interlocked.Exchange(ref _parked, null)?.Dispose();
                    _channel = null;
                }

                _channel = await OpenChannelAsync(cancellationToken).ConfigureAwait(false);
                _active = 1;
                return _channel;
            }
            finally
            {
                _gate.Release();
            }
        }

        private void Leave()
        {
            // Short: the gate is never held across an operation, and while this one runs no other opens the channel.
            _gate.Wait();
            try
            {
                if (--_active == 0 && _own == null && _channel != null)
                {
                    _parked = _channel;
                    _connection.Channels.Park(this);
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        private async Task<IFileTransfer> OpenChannelAsync(CancellationToken cancellationToken)
        {
            var closedAfterItsChannels = false;
            while (!closedAfterItsChannels && !_session.Live.OneChannelPerConnection)
            {
                var channels = _connection.Channels;
                await channels.AcquireAsync(cancellationToken).ConfigureAwait(false);
                var openBeside = channels.InUse - 1;
                if (openBeside == 0 && !await _connection.StillOpenAfterItsChannelAsync().ConfigureAwait(false))
                {
                    channels.Release();
                    _session.Live.NoteClosedAfterOneChannel(_connection);
                    closedAfterItsChannels = true;
                    continue;
                }

                try
                {
                    var channel = _connection.Connection.OpenFileTransfer();
                    _connection.ChannelOpened();
                    return channel;
                }
                catch (Exception e) when (e is ChannelRefusedException || !_connection.Connection.IsConnected)
                {
                    var learnt = e is ChannelRefusedException && channels.Refused(openBeside);
                    channels.Release();
                    if (learnt)
                    {
                        continue;
                    }

                    if (openBeside > 0 || _connection.ChannelsOpened == 0)
                    {
                        if (e is ChannelRefusedException)
                        {
                            throw ConnectionErrors.ChannelLimit(_session.ComputerName, e.Message, e);
                        }

                        throw;
                    }

                    _session.Live.NoteClosedAfterOneChannel(_connection);
                    closedAfterItsChannels = true;
                }
                catch
                {
                    channels.Release();
                    throw;
                }
            }

            var own = await _freshConnection(cancellationToken).ConfigureAwait(false);
            try
            {
                var channel = own.Connection.OpenFileTransfer();
                own.ChannelOpened();
                _own = own;
                return channel;
            }
            catch (ChannelRefusedException e)
            {
                own.Dispose();
                throw ConnectionErrors.ChannelLimit(_session.ComputerName, e.Message, e);
            }
            catch
            {
                own.Dispose();
                throw;
            }
        }
    }
}
