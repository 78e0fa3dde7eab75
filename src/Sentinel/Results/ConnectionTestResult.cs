using System;
using System.Collections.Generic;
using System.Linq;

namespace Sentinel.Results
{
    /// <summary>One check of Test-SentinelConnection: what was checked, how it went, and what to do if it failed.</summary>
    public sealed class ConnectionTestStep
    {
        internal ConnectionTestStep(string step, bool passed, TimeSpan duration, string detail, string? hint)
        {
            Step = step;
            Passed = passed;
            Duration = duration;
            Detail = detail;
            Hint = hint;
        }

        public string Step { get; }

        public bool Passed { get; }

        public TimeSpan Duration { get; }

        public string Detail { get; }

        /// <summary>For a failed step: what to check.</summary>
        public string? Hint { get; }
    }

    /// <summary>The outcome of Test-SentinelConnection for one host, with a row per step.</summary>
    public sealed class ConnectionTestResult
    {
        internal ConnectionTestResult(string computerName, int port, string userName, IReadOnlyList<ConnectionTestStep> steps)
        {
            ComputerName = computerName;
            Port = port;
            UserName = userName;
            Steps = steps;
        }

        public string ComputerName { get; }

        public int Port { get; }

        public string UserName { get; }

        public bool Passed => Steps.All(s => s.Passed);

        /// <summary>The first step that failed, or null.</summary>
        public ConnectionTestStep? FailedStep => Steps.FirstOrDefault(s => !s.Passed);

        public TimeSpan Duration => TimeSpan.FromTicks(Steps.Sum(s => s.Duration.Ticks));

        public IReadOnlyList<ConnectionTestStep> Steps { get; }
    }
}
