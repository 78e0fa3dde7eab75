using System;
using System.Collections.Generic;

namespace Sentinel.Remediation
{
    /// <summary>
    /// Kubernetes' restart back-off for Watch-SentinelService -Repair, per service and host: the first
    /// repair goes at once; after each repair the next one waits First, then twice that, doubling up to
    /// Max; a service seen Running without a break for ResetAfter starts again from nothing. Keeps one
    /// small entry per service that was repaired, so memory stays bounded however long the watch runs.
    /// </summary>
    internal sealed class RepairBackoff
    {
        private readonly Dictionary<string, Entry> _entries = new Dictionary<string, Entry>(StringComparer.Ordinal);

        public RepairBackoff(TimeSpan first, TimeSpan max, TimeSpan resetAfter)
        {
            First = first;
            Max = max;
            ResetAfter = resetAfter;
        }

        /// <summary>30 s doubling to 5 min, reset after 10 min healthy; or all three scaled from <paramref name="first"/> (x10, x20).</summary>
        public static RepairBackoff Scaled(TimeSpan first) => new RepairBackoff(first, TimeSpan.FromTicks(first.Ticks * 10), TimeSpan.FromTicks(first.Ticks * 20));

        public static readonly TimeSpan DefaultFirst = TimeSpan.FromSeconds(30);

        public TimeSpan First { get; }

        public TimeSpan Max { get; }

        public TimeSpan ResetAfter { get; }

        /// <summary>When the service may be repaired next (UTC); null when at once.</summary>
        public DateTime? NotBefore(string key)
        {
            lock (_entries)
            {
                return _entries.TryGetValue(key, out var entry) ? entry.NotBefore : (DateTime?)null;
            }
        }

        public bool MayRepair(string key, DateTime now) => !(NotBefore(key) is DateTime notBefore) || now >= notBefore;

        /// <summary>A repair of the service ended (whatever its outcome) at <paramref name="now"/>.</summary>
        public void Repaired(string key, DateTime now)
        {
            lock (_entries)
            {
                if (!_entries.TryGetValue(key, out var entry))
                {
                    entry = new Entry();
                    _entries[key] = entry;
                }

                var delay = TimeSpan.FromTicks(Math.Min(Max.Ticks, First.Ticks * (1L << Math.Min(entry.Repairs, 30))));
                entry.Repairs++;
                entry.NotBefore = now + delay;
                entry.HealthySince = null;
            }
        }

        /// <summary>The service was seen in <paramref name="running"/> state at <paramref name="now"/>.</summary>
        public void Observed(string key, bool running, DateTime now)
        {
            lock (_entries)
            {
                if (!_entries.TryGetValue(key, out var entry))
                {
                    return;
                }

                if (!running)
                {
                    entry.HealthySince = null;
                }
                else if (entry.HealthySince == null)
                {
                    entry.HealthySince = now;
                }
                else if (now - entry.HealthySince.Value >= ResetAfter)
                {
                    _entries.Remove(key);
                }
            }
        }

        private sealed class Entry
        {
            public int Repairs { get; set; }

            public DateTime NotBefore { get; set; }

            public DateTime? HealthySince { get; set; }
        }
    }
}
