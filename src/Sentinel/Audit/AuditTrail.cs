using System;
using Sentinel.Execution;
using Sentinel.Results;

namespace Sentinel.Audit
{
    /// <summary>
    /// Where one cmdlet invocation's audit records go: the log the caller configured, or nowhere. The
    /// engine records through it, so commands are audited wherever they run, not by the cmdlet.
    /// </summary>
    internal sealed class AuditTrail
    {
        /// <summary>No audit log configured: records are dropped.</summary>
        public static readonly AuditTrail None = new AuditTrail(null, string.Empty);

        private readonly string? _path;
        private readonly string _cmdlet;

        /// <param name="path">The audit log file; null when none is configured.</param>
        /// <param name="cmdlet">The cmdlet whose decisions the remediation records name.</param>
        public AuditTrail(string? path, string cmdlet)
        {
            _path = path;
            _cmdlet = cmdlet;
        }

        /// <summary>Appends one command's record; never blocks.</summary>
        public void Command(SentinelSession session, CommandRequest request, DateTime started, CommandResult? result, string outcome)
        {
            if (_path != null)
            {
                AuditLog.Record(_path, AuditRecord.Of(session, request, started, result, outcome));
            }
        }

        /// <summary>Appends a remediation decision.</summary>
        public void Remediation(RemediationResult result)
        {
            if (_path != null)
            {
                AuditLog.Record(_path, new RemediationAuditRecord(result, _cmdlet));
            }
        }
    }
}
