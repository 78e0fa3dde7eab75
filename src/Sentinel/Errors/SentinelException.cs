using System;
using System.Management.Automation;

namespace Sentinel.Errors
{
    /// <summary>
    /// A failure Sentinel understands: it carries the stable error id, the PowerShell category,
    /// the host it concerns and what the user should do about it. It carries its own ErrorRecord, so
    /// even when it escapes a cmdlet unhandled PowerShell reports it under its Sentinel id, not as a
    /// .NET type name.
    /// </summary>
    public sealed class SentinelException : Exception, IContainsErrorRecord
    {
        /// <summary>A failure with its stable id (one of <see cref="ErrorIds"/>), category, host, message and recommended action.</summary>
        public SentinelException(string errorId, ErrorCategory category, string? computerName, string message, string? recommendedAction = null, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Category = category;
            ComputerName = computerName;
            RecommendedAction = recommendedAction;
        }

        /// <summary>Stable id, such as <c>Sentinel.ConnectionTimeout</c>; scripts branch on it.</summary>
        public string ErrorId { get; }

        /// <summary>The PowerShell error category the error record gets.</summary>
        public ErrorCategory Category { get; }

        /// <summary>The host the failure concerns, when there is one.</summary>
        public string? ComputerName { get; }

        /// <summary>What to check or do next, shown as the error's recommended action.</summary>
        public string? RecommendedAction { get; }

        /// <summary>The error record PowerShell shows: this id, category, the host as target and the recommended action.</summary>
        public ErrorRecord ErrorRecord => ToErrorRecord();

        internal ErrorRecord ToErrorRecord(object? target = null)
        {
            var record = new ErrorRecord(this, ErrorId, Category, target ?? ComputerName);
            if (RecommendedAction != null)
            {
                record.ErrorDetails = new ErrorDetails(Message) { RecommendedAction = RecommendedAction };
            }

            return record;
        }
    }
}
