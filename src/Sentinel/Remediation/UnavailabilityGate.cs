using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Remediation
{
    /// <summary>
    /// -MaxUnavailable of a rolling restart: never more than Limit of the hosts down at once, counting
    /// the hosts that were down before the roll, the hosts restarting, and the hosts whose restart
    /// failed (they stay down). A host already down takes nothing more to restart. A host that would
    /// go over the limit waits for a restarting host to come back healthy; when none is restarting, no
    /// slot can ever free, and it is refused. Thread-safe.
    /// </summary>
    internal sealed class UnavailabilityGate
    {
        private readonly object _gate = new object();
        private readonly HashSet<string> _down;
        private int _restarting;
        private TaskCompletionSource<bool> _changed = NewSignal();

        /// <param name="limit">Hosts that may be down at once.</param>
        /// <param name="down">The hosts down before the roll.</param>
        public UnavailabilityGate(int limit, IEnumerable<string> down)
        {
            Limit = limit;
            _down = new HashSet<string>(down, StringComparer.OrdinalIgnoreCase);
        }

        public int Limit { get; }

        /// <summary>The hosts down now, in no order.</summary>
        public IReadOnlyList<string> Down
        {
            get
            {
                lock (_gate)
                {
                    return _down.ToList();
                }
            }
        }

        /// <summary>Waits until <paramref name="computerName"/> may go down; false when it never can (the limit is held by hosts that stay down).</summary>
        public async Task<bool> EnterAsync(string computerName, CancellationToken cancellationToken)
        {
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (_down.Contains(computerName) || _down.Count < Limit)
                    {
                        _down.Add(computerName);
                        _restarting++;
                        return true;
                    }

                    if (_restarting == 0)
                    {
                        return false;
                    }

                    changed = _changed.Task;
                }

                var stopped = new TaskCompletionSource<bool>();
                using (cancellationToken.Register(() => stopped.TrySetCanceled()))
                {
                    await (await Task.WhenAny(changed, stopped.Task).ConfigureAwait(false)).ConfigureAwait(false);
                }
            }
        }

        /// <summary>Ends a host's restart: healthy, it counts as up again; otherwise it stays down.</summary>
        public void Leave(string computerName, bool healthy)
        {
            TaskCompletionSource<bool> changed;
            lock (_gate)
            {
                _restarting--;
                if (healthy)
                {
                    _down.Remove(computerName);
                }

                changed = _changed;
                _changed = NewSignal();
            }

            changed.TrySetResult(true);
        }

        private static TaskCompletionSource<bool> NewSignal() => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
