using System;

namespace Sentinel.Results
{
    /// <summary>The init system that manages services on a host.</summary>
    public enum ServiceManager
    {
        /// <summary>systemd (systemctl).</summary>
        Systemd,

        /// <summary>SysV init scripts (service).</summary>
        SysV,

        /// <summary>OpenRC (rc-service).</summary>
        OpenRC,
    }

    /// <summary>A service's state, judged from the manager's exit codes or properties.</summary>
    public enum ServiceState
    {
        /// <summary>Not settled (starting or stopping), no clear answer from the manager, or a host that could not be asked.</summary>
        Unknown,

        /// <summary>Running (systemd: active or reloading).</summary>
        Running,

        /// <summary>Not running, and not failed (systemd: inactive).</summary>
        Stopped,

        /// <summary>Dead after a crash or a failed start (systemd: failed; an init script: exit 1 or 2; OpenRC: crashed).</summary>
        Failed,

        /// <summary>The host has no such service.</summary>
        NotFound,
    }

    /// <summary>What Start-, Stop- and Restart-SentinelService do.</summary>
    public enum ServiceAction
    {
        /// <summary>Start the service.</summary>
        Start,

        /// <summary>Stop the service.</summary>
        Stop,

        /// <summary>Restart the service.</summary>
        Restart,
    }

    /// <summary>One service's status on one host.</summary>
    public sealed class ServiceStatus
    {
        internal ServiceStatus(string computerName, string name, ServiceManager manager, ServiceState state, int? mainPid = null, DateTime? since = null, string? subState = null, SystemdLimits? limits = null)
        {
            Result = limits?.Result;
            Restarts = limits?.Restarts;
            StartLimitBurst = limits?.StartLimitBurst;
            StartLimitInterval = limits?.StartLimitInterval;
            ComputerName = computerName;
            Name = name;
            Manager = manager;
            State = state;
            MainPid = mainPid;
            Since = since;
            SubState = subState;
        }

        /// <summary>The host the service is on.</summary>
        public string ComputerName { get; }

        /// <summary>The service's name.</summary>
        public string Name { get; }

        /// <summary>The host's service manager.</summary>
        public ServiceManager Manager { get; }

        /// <summary>The service's state.</summary>
        public ServiceState State { get; }

        /// <summary>The main process id, where the manager tracks one (systemd).</summary>
        public int? MainPid { get; }

        /// <summary>When the service entered its active state (UTC), where the manager records it (systemd).</summary>
        public DateTime? Since { get; }

        /// <summary>The manager's finer state (systemd's SubState: running, exited, dead, ...).</summary>
        public string? SubState { get; }

        /// <summary>systemd's Result of the unit's last run (success, exit-code, start-limit-hit, ...).</summary>
        public string? Result { get; }

        /// <summary>Restarts systemd made itself since the unit was last started by hand (systemd's NRestarts).</summary>
        public int? Restarts { get; }

        /// <summary>systemd's StartLimitBurst: starts allowed within <see cref="StartLimitInterval"/>.</summary>
        public int? StartLimitBurst { get; }

        /// <summary>systemd's StartLimitIntervalUSec as systemctl prints it (10s, 1min 30s, ...).</summary>
        public string? StartLimitInterval { get; }

        /// <summary>True while systemd is waiting to restart the unit itself (SubState auto-restart).</summary>
        public bool AutoRestarting => SubState == "auto-restart";

        /// <summary>True when systemd refused to start the unit again: StartLimitBurst starts within StartLimitInterval.</summary>
        public bool StartLimitHit => Result == "start-limit-hit";
    }

    /// <summary>What systemd itself knows of a unit's restarts and start limit.</summary>
    internal sealed class SystemdLimits
    {
        public string? Result { get; set; }

        public int? Restarts { get; set; }

        public int? StartLimitBurst { get; set; }

        public string? StartLimitInterval { get; set; }
    }

    /// <summary>How one service's start, stop or restart ended, rolled or not.</summary>
    public enum ServiceActionOutcome
    {
        /// <summary>Done: the action exited 0, the wanted state was reached and (in a rolling restart) the health gate passed.</summary>
        Succeeded,

        /// <summary>The action failed, the state was not reached, or the health gate failed (see Reason).</summary>
        Failed,

        /// <summary>Not touched: the roll stopped (-MaxFailure), or -MaxUnavailable hosts were down (see Reason).</summary>
        Skipped,
    }

    /// <summary>What a start, stop or restart did to one service on one host.</summary>
    public sealed class ServiceActionResult
    {
        internal ServiceActionResult(string computerName, string name, ServiceAction action, ServiceState stateBefore, ServiceState stateAfter, bool succeeded, TimeSpan duration, string output, string error)
            : this(computerName, name, action, stateBefore, stateAfter, succeeded ? ServiceActionOutcome.Succeeded : ServiceActionOutcome.Failed, string.Empty, 0, duration, output, error)
        {
        }

        internal ServiceActionResult(string computerName, string name, ServiceAction action, ServiceState stateBefore, ServiceState stateAfter, ServiceActionOutcome outcome, string reason, int batch, TimeSpan duration, string output, string error)
        {
            Outcome = outcome;
            Succeeded = outcome == ServiceActionOutcome.Succeeded;
            Reason = reason;
            Batch = batch;
            ComputerName = computerName;
            Name = name;
            Action = action;
            StateBefore = stateBefore;
            StateAfter = stateAfter;
            Duration = duration;
            Output = output;
            Error = error;
        }

        /// <summary>The host the service is on.</summary>
        public string ComputerName { get; }

        /// <summary>The service's name.</summary>
        public string Name { get; }

        /// <summary>The action asked for.</summary>
        public ServiceAction Action { get; }

        /// <summary>The service's state before the action.</summary>
        public ServiceState StateBefore { get; }

        /// <summary>The service's state at the end: after -Wait's polling, or as before when the action did not run.</summary>
        public ServiceState StateAfter { get; }

        /// <summary>True when the action exited 0 and (with -Wait) the service reached the wanted state.</summary>
        public bool Succeeded { get; }

        /// <summary>How long it all took: the status checks, any configuration test, the action and the -Wait polling.</summary>
        public TimeSpan Duration { get; }

        /// <summary>Standard output of the action (or of the refusing configuration test).</summary>
        public string Output { get; }

        /// <summary>Standard error of the action (or of the refusing configuration test).</summary>
        public string Error { get; }

        /// <summary>Succeeded, Failed or Skipped.</summary>
        public ServiceActionOutcome Outcome { get; }

        /// <summary>Why, in a rolling restart: what the health gate saw, or why the host was Skipped; empty otherwise.</summary>
        public string Reason { get; }

        /// <summary>The batch of a rolling restart the host was in (from 1); 0 when not rolled.</summary>
        public int Batch { get; }

        /// <summary>The same result judged again: the health gate's or the roll's verdict, in <paramref name="batch"/>.</summary>
        internal ServiceActionResult With(ServiceActionOutcome outcome, string reason, int batch) =>
            new ServiceActionResult(ComputerName, Name, Action, StateBefore, StateAfter, outcome, reason, batch, Duration, Output, Error);
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

        /// <summary>The host the service is on.</summary>
        public string ComputerName { get; }

        /// <summary>The service's name.</summary>
        public string Name { get; }

        /// <summary>The test that ran; null when Sentinel knows no test for this service.</summary>
        public string? Command { get; }

        /// <summary>True when the test exited 0; null when there is no test for this service.</summary>
        public bool? Valid { get; }

        /// <summary>The test's exit code; null when no test ran or a signal ended it.</summary>
        public int? ExitCode { get; }

        /// <summary>What the test printed, stdout then stderr (these tools report on stderr).</summary>
        public string Output { get; }
    }
}
