using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Connections
{
    /// <summary>
    /// How many channels one connection may have open at once, learnt from the server. It starts at
    /// OpenSSH's default (MaxSessions 10); a refused channel open means the server allows as many as
    /// are open at that moment (MaxSessions 1, tinysshd's one), so the budget shrinks to that and the
    /// refused channel queues for a free one. Waiting is asynchronous, unlike SSH.NET's own semaphore,
    /// which blocks a pool thread with no timeout (SSH.NET #755). A holder that can give its channel
    /// up between uses (an idle SFTP channel, <see cref="IYieldingChannel"/>) is closed when a waiter
    /// would otherwise wait for it for ever.
    /// </summary>
    internal sealed class ChannelBudget
    {
        /// <summary>What a connection is assumed to allow until a refusal says otherwise: OpenSSH's default MaxSessions.</summary>
        public const int Assumed = 10;

        private readonly object _gate = new object();
        private readonly LinkedList<TaskCompletionSource<bool>> _waiting = new LinkedList<TaskCompletionSource<bool>>();
        private readonly List<IYieldingChannel> _idle = new List<IYieldingChannel>();
        private int _limit = Assumed;
        private int _inUse;

        /// <summary>The channels this connection may have open at once, as far as is known.</summary>
        public int Limit
        {
            get
            {
                lock (_gate)
                {
                    return _limit;
                }
            }
        }

        /// <summary>Channels held now, idle ones included.</summary>
        public int InUse
        {
            get
            {
                lock (_gate)
                {
                    return _inUse;
                }
            }
        }

        /// <summary>Takes a channel's place, waiting (cancellably) while the budget is spent; an idle yielding holder gives its place up.</summary>
        public Task AcquireAsync(CancellationToken cancellationToken)
        {
            IYieldingChannel? yielding = null;
            LinkedListNode<TaskCompletionSource<bool>>? waiter = null;
            lock (_gate)
            {
                if (_inUse < _limit)
                {
                    _inUse++;
                    return Task.CompletedTask;
                }

                if (_idle.Count > 0)
                {
                    // Its place passes to this caller.
                    yielding = _idle[0];
                    _idle.RemoveAt(0);
                }
                else
                {
                    waiter = _waiting.AddLast(new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
                }
            }

            if (yielding != null)
            {
                yielding.Yield();
                return Task.CompletedTask;
            }

            return WaitAsync(waiter!, cancellationToken);
        }

        /// <summary>Gives a place back: to the first waiter, unless the budget shrank below the places held.</summary>
        public void Release()
        {
            TaskCompletionSource<bool>? next = null;
            lock (_gate)
            {
                if (_inUse <= _limit && _waiting.First != null)
                {
                    next = _waiting.First.Value;
                    _waiting.RemoveFirst();
                }
                else
                {
                    _inUse--;
                }
            }

            next?.TrySetResult(true);
        }

        /// <summary>
        /// The server refused a channel opened beside <paramref name="openBeside"/> others (counted when
        /// it was asked for, as one of them may have ended since): it allows that many. False when none
        /// was open beside it (the server allows none at all, or is closing the connection).
        /// </summary>
        public bool Refused(int openBeside)
        {
            if (openBeside < 1)
            {
                return false;
            }

            lock (_gate)
            {
                _limit = Math.Min(_limit, openBeside);
                return true;
            }
        }

        /// <summary>The holder keeps its place, and its channel open, until a waiter needs the place: then <see cref="IYieldingChannel.Yield"/> closes it.</summary>
        public void Park(IYieldingChannel holder)
        {
            TaskCompletionSource<bool>? next = null;
            lock (_gate)
            {
                if (_waiting.First != null)
                {
                    next = _waiting.First.Value;
                    _waiting.RemoveFirst();
                }
                else
                {
                    _idle.Add(holder);
                }
            }

            if (next != null)
            {
                holder.Yield();
                next.TrySetResult(true);
            }
        }

        /// <summary>Takes a parked holder back into use; false when it has yielded its place meanwhile.</summary>
        public bool Resume(IYieldingChannel holder)
        {
            lock (_gate)
            {
                return _idle.Remove(holder);
            }
        }

        private async Task WaitAsync(LinkedListNode<TaskCompletionSource<bool>> waiter, CancellationToken cancellationToken)
        {
            using (cancellationToken.Register(() =>
            {
                lock (_gate)
                {
                    if (waiter.List == null)
                    {
                        return; // the place was granted first: the caller gives it back
                    }

                    _waiting.Remove(waiter);
                }

                waiter.Value.TrySetCanceled();
            }))
            {
                await waiter.Value.Task.ConfigureAwait(false);
            }
        }
    }

    /// <summary>A channel that can be closed between uses, giving its place in the budget to a waiter.</summary>
    internal interface IYieldingChannel
    {
        /// <summary>Closes the channel; its place already belongs to the waiter. Must not throw.</summary>
        void Yield();
    }
}
