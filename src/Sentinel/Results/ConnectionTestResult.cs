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

        /// <summary>What was checked: TCP, Handshake, Authentication, Command, or Service NAME.</summary>
        public string Step { get; }

        /// <summary>True when the check succeeded.</summary>
        public bool Passed { get; }

        /// <summary>How long the check took.</summary>
        public TimeSpan Duration { get; }

        /// <summary>What the check found, or the error it met.</summary>
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

        /// <summary>The host tested.</summary>
        public string ComputerName { get; }

        /// <summary>The SSH port tested.</summary>
        public int Port { get; }

        /// <summary>The user the test logged in as.</summary>
        public string UserName { get; }

        /// <summary>True when every step passed.</summary>
        public bool Passed => Steps.All(s => s.Passed);

        /// <summary>The first step that failed, or null.</summary>
        public ConnectionTestStep? FailedStep => Steps.FirstOrDefault(s => !s.Passed);

        /// <summary>The steps' durations added up.</summary>
        public TimeSpan Duration => TimeSpan.FromTicks(Steps.Sum(s => s.Duration.Ticks));

        /// <summary>The steps in the order they ran; the test goes no further than a failed TCP, Handshake or Authentication step.</summary>
        public IReadOnlyList<ConnectionTestStep> Steps { get; }
    }
}
