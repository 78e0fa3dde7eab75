using System;
using System.Collections.Generic;

namespace Sentinel.Remediation
{
    /// <summary>
    /// Ansible's max_fail_percentage for repairs: once Threshold hosts have failed (or the canary batch
    /// failed), the breaker is open and no further host is touched. Trips once; thread-safe.
    /// </summary>
    internal sealed class CircuitBreaker
    {
        private readonly HashSet<string> _failedHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly object _gate = new object();
        private string? _reason;

        public CircuitBreaker(int threshold)
        {
            Threshold = threshold;
        }

        /// <summary>How many failed hosts open the breaker.</summary>
        public int Threshold { get; }

        public bool Tripped
        {
            get
            {
                lock (_gate)
                {
                    return _reason != null;
                }
            }
        }

        /// <summary>Why it tripped; null while closed.</summary>
        public string? Reason
        {
            get
            {
                lock (_gate)
                {
                    return _reason;
                }
            }
        }

        public int FailedHosts
        {
            get
            {
                lock (_gate)
                {
                    return _failedHosts.Count;
                }
            }
        }

        /// <summary>Counts a failed host (once per host); true when this failure tripped the breaker.</summary>
        public bool RecordFailure(string computerName)
        {
            lock (_gate)
            {
                _failedHosts.Add(computerName);
                if (_reason == null && _failedHosts.Count >= Threshold)
                {
                    _reason = $"{_failedHosts.Count} host(s) failed ({string.Join(", ", _failedHosts)}), and -MaxFailure allows {Threshold}";
                    return true;
                }

                return false;
            }
        }

        /// <summary>Opens the breaker for <paramref name="reason"/> unless it is open already; true when this call opened it.</summary>
        public bool Trip(string reason)
        {
            lock (_gate)
            {
                if (_reason != null)
                {
                    return false;
                }

                _reason = reason;
                return true;
            }
        }
    }
}
