using System;

namespace Sentinel.Results
{
    /// <summary>The init system that manages services on a host.</summary>
    public enum ServiceManager
    {
        Systemd,
        SysV,
        OpenRC,
    }

    /// <summary>A service's state, judged from the manager's exit codes or properties.</summary>
    public enum ServiceState
    {
        Unknown,
        Running,
        Stopped,
        Failed,
        NotFound,
    }

    /// <summary>What Start-, Stop- and Restart-SentinelService do.</summary>
    public enum ServiceAction
    {
        Start,
        Stop,
        Restart,
    }

    /// <summary>One service's status on one host.</summary>
    public sealed class ServiceStatus
    {
        internal ServiceStatus(string computerName, string name, ServiceManager manager, ServiceState state, int? mainPid = null, DateTime? since = null, string? subState = null)
        {
            ComputerName = computerName;
            Name = name;
            Manager = manager;
            State = state;
            MainPid = mainPid;
            Since = since;
            SubState = subState;
        }

        public string ComputerName { get; }

        public string Name { get; }

        public ServiceManager Manager { get; }

        public ServiceState State { get; }

        /// <summary>The main process id, where the manager tracks one (systemd).</summary>
        public int? MainPid { get; }

        /// <summary>When the service entered its active state (UTC), where the manager records it (systemd).</summary>
        public DateTime? Since { get; }

        /// <summary>The manager's finer state (systemd's SubState: running, exited, dead, ...).</summary>
        public string? SubState { get; }
    }

    /// <summary>What a start, stop or restart did to one service on one host.</summary>
    public sealed class ServiceActionResult
    {
        internal ServiceActionResult(string computerName, string name, ServiceAction action, ServiceState stateBefore, ServiceState stateAfter, bool succeeded, TimeSpan duration, string output, string error)
        {
            ComputerName = computerName;
            Name = name;
            Action = action;
            StateBefore = stateBefore;
            StateAfter = stateAfter;
            Succeeded = succeeded;
            Duration = duration;
            Output = output;
            Error = error;
        }

        public string ComputerName { get; }

        public string Name { get; }

        public ServiceAction Action { get; }

        public ServiceState StateBefore { get; }

        public ServiceState StateAfter { get; }

        /// <summary>True when the action exited 0 and (with -Wait) the service reached the wanted state.</summary>
        public bool Succeeded { get; }

        public TimeSpan Duration { get; }

        /// <summary>Standard output of the action (or of the refusing configuration test).</summary>
        public string Output { get; }

        /// <summary>Standard error of the action (or of the refusing configuration test).</summary>
        public string Error { get; }
    }

    /// <summary>The result of a service's configuration test (nginx -t, sshd -t, ...) on one host.</summary>
    public sealed class ServiceConfigTestResult
    {
        internal ServiceConfigTestResult(string computerName, string name, string? command, bool? valid, int? exitCode, string output)
        {
            ComputerName = computerName;
            Name = name;
            Command = command;
            Valid = valid;
            ExitCode = exitCode;
            Output = output;
        }

        public string ComputerName { get; }

        public string Name { get; }

        /// <summary>The test that ran; null when Sentinel knows no test for this service.</summary>
        public string? Command { get; }

        /// <summary>True when the test exited 0; null when there is no test for this service.</summary>
        public bool? Valid { get; }

        public int? ExitCode { get; }

        /// <summary>What the test printed, stdout then stderr (these tools report on stderr).</summary>
        public string Output { get; }
    }
}
