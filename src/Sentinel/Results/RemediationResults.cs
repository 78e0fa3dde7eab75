using System;
using System.Collections.Generic;

namespace Sentinel.Results
{
    /// <summary>What Repair- or Watch-SentinelService did to one service on one host.</summary>
    public enum RemediationAction
    {
        /// <summary>The service was Running: left alone.</summary>
        NoAction,

        /// <summary>It was Stopped, was started, and stayed Running for the settle time.</summary>
        Started,

        /// <summary>It was Failed (or in an unknown state), was restarted, and stayed Running for the settle time.</summary>
        Restarted,

        /// <summary>Its configuration failed its test: nothing was started or restarted.</summary>
        Refused,

        /// <summary>Not touched: restart budget used up, breaker tripped, or the canary batch failed (see Reason).</summary>
        Skipped,

        /// <summary>The start or restart failed, it did not reach Running, it died again within the settle time, or the host could not be reached.</summary>
        Failed,
    }

    /// <summary>One service on one host, as Repair- and Watch-SentinelService left it.</summary>
    public sealed class RemediationResult
    {
        internal RemediationResult(string computerName, string name, ServiceState stateBefore, RemediationAction action, ServiceState stateAfter, string reason, string diagnostics, DateTime startTime, TimeSpan duration, int batch)
        {
            ComputerName = computerName;
            Name = name;
            StateBefore = stateBefore;
            Action = action;
            StateAfter = stateAfter;
            Reason = reason;
            Diagnostics = diagnostics;
            StartTime = startTime;
            Duration = duration;
            Batch = batch;
        }

        /// <summary>The host the service is on.</summary>
        public string ComputerName { get; }

        /// <summary>The service's name.</summary>
        public string Name { get; }

        /// <summary>The service's state before any action.</summary>
        public ServiceState StateBefore { get; }

        /// <summary>What was done.</summary>
        public RemediationAction Action { get; }

        /// <summary>The service's state at the end.</summary>
        public ServiceState StateAfter { get; }

        /// <summary>Why this action: begins with a stable word (Running, Stopped, BudgetExhausted, BreakerTripped, CanaryFailed, ConfigInvalid, DiedAfterStart, ...), then the detail.</summary>
        public string Reason { get; }

        /// <summary>What was captured before acting: the service's state details and the last 50 lines of its log. Empty when nothing was done.</summary>
        public string Diagnostics { get; }

        /// <summary>When the work on this service began (local time).</summary>
        public DateTime StartTime { get; }

        /// <summary>How long the work on this service took, the settle time included.</summary>
        public TimeSpan Duration { get; }

        /// <summary>The rolling batch the host was in (1 is the canary); 0 for Watch-SentinelService.</summary>
        public int Batch { get; }

        /// <summary>True when the service is Running afterwards: NoAction, Started or Restarted.</summary>
        public bool Healthy => Action == RemediationAction.NoAction || Action == RemediationAction.Started || Action == RemediationAction.Restarted;
    }

    /// <summary>A service's state as Watch-SentinelService saw it change (every service once on the first round).</summary>
    public sealed class ServiceStateChange
    {
        internal ServiceStateChange(DateTime time, int round, string computerName, string name, ServiceState? previousState, ServiceState state, string detail)
        {
            Time = time;
            Round = round;
            ComputerName = computerName;
            Name = name;
            PreviousState = previousState;
            State = state;
            Detail = detail;
        }

        /// <summary>When the new state was seen (local time).</summary>
        public DateTime Time { get; }

        /// <summary>The polling round, from 1.</summary>
        public int Round { get; }

        /// <summary>The host the service is on.</summary>
        public string ComputerName { get; }

        /// <summary>The service's name.</summary>
        public string Name { get; }

        /// <summary>The state seen before; null on the first round.</summary>
        public ServiceState? PreviousState { get; }

        /// <summary>The state now seen.</summary>
        public ServiceState State { get; }

        /// <summary>Why the state is Unknown when the host could not be asked (the error's message); else empty.</summary>
        public string Detail { get; }
    }

    /// <summary>The last lines of a service's log on one host.</summary>
    public sealed class ServiceLog
    {
        internal ServiceLog(string computerName, string name, string source, bool sudo, string output, bool truncated)
        {
            ComputerName = computerName;
            Name = name;
            Source = source;
            Sudo = sudo;
            Output = output;
            Truncated = truncated;
        }

        /// <summary>The host the service is on.</summary>
        public string ComputerName { get; }

        /// <summary>The service's name.</summary>
        public string Name { get; }

        /// <summary>Where the lines come from: <c>journal</c> (journalctl -u) or the log file's path.</summary>
        public string Source { get; }

        /// <summary>True when the log was read under sudo (the user could not read it).</summary>
        public bool Sudo { get; }

        /// <summary>The lines, as the journal or the file holds them.</summary>
        public string Output { get; }

        /// <summary>The lines one by one.</summary>
        public IReadOnlyList<string> Lines => Output.Length == 0 ? Array.Empty<string>() : Output.TrimEnd('\n').Split('\n');

        /// <summary>True when the log was longer than -MaxOutputBytes and Output holds only its start.</summary>
        public bool Truncated { get; }
    }
}
