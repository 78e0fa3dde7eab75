using System;
using System.Globalization;
using System.Text;
using Sentinel.Results;
using Sentinel.Serialization;

namespace Sentinel.Audit
{
    /// <summary>
    /// The audit log's record of one remediation decision (kind "remediation"): which service on which
    /// host, the states before and after, the action and its reason. The commands it ran have their own
    /// records. Diagnostics are not copied: the log lines they hold belong in the result, not the audit.
    /// </summary>
    internal sealed class RemediationAuditRecord
    {
        private readonly RemediationResult _result;
        private readonly string _cmdlet;

        public RemediationAuditRecord(RemediationResult result, string cmdlet)
        {
            _result = result;
            _cmdlet = cmdlet;
        }

        public string ToJson()
        {
            var fields = new[]
            {
                ("time", Json.Quote(_result.StartTime.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture))),
                ("kind", Json.Quote("remediation")),
                ("cmdlet", Json.Quote(_cmdlet)),
                ("localUser", Json.Quote(Environment.UserName)),
                ("computerName", Json.Quote(_result.ComputerName)),
                ("service", Json.Quote(_result.Name)),
                ("action", Json.Quote(_result.Action.ToString())),
                ("stateBefore", Json.Quote(_result.StateBefore.ToString())),
                ("stateAfter", Json.Quote(_result.StateAfter.ToString())),
                ("reason", Json.Quote(_result.Reason)),
                ("batch", _result.Batch.ToString(CultureInfo.InvariantCulture)),
                ("durationMs", Math.Round(_result.Duration.TotalMilliseconds, 1).ToString(CultureInfo.InvariantCulture)),
            };
            var json = new StringBuilder("{");
            foreach (var (name, value) in fields)
            {
                json.Append('"').Append(name).Append("\":").Append(value).Append(',');
            }

            json.Length--;
            return json.Append('}').ToString();
        }
    }
}
