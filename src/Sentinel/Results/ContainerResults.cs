using System;

namespace Sentinel.Results
{
    /// <summary>One container on one host, from docker ps.</summary>
    public sealed class ContainerStatus
    {
        internal ContainerStatus(string computerName, string name, string id, string image, string state, string status, string ports)
        {
            ComputerName = computerName;
            Name = name;
            Id = id;
            Image = image;
            State = state;
            Status = status;
            Ports = ports;
        }

        /// <summary>The host the container is on.</summary>
        public string ComputerName { get; }

        /// <summary>The container's name.</summary>
        public string Name { get; }

        /// <summary>The container's full id.</summary>
        public string Id { get; }

        /// <summary>The image the container was created from.</summary>
        public string Image { get; }

        /// <summary>docker's state word: running, exited, restarting, paused, created, dead.</summary>
        public string State { get; }

        /// <summary>docker's human status, such as "Up 4 days".</summary>
        public string Status { get; }

        /// <summary>docker's description of the published ports, empty when none.</summary>
        public string Ports { get; }

        /// <summary>True when State is running.</summary>
        public bool Running => State == "running";
    }

    /// <summary>What a container restart did on one host.</summary>
    public sealed class ContainerActionResult
    {
        internal ContainerActionResult(string computerName, string name, string action, int? exitCode, string stateAfter, DateTime? startedAt, bool succeeded, TimeSpan duration, string output, string error)
        {
            ExitCode = exitCode;
            ComputerName = computerName;
            Name = name;
            Action = action;
            StateAfter = stateAfter;
            StartedAt = startedAt;
            Succeeded = succeeded;
            Duration = duration;
            Output = output;
            Error = error;
        }

        /// <summary>The host the container is on.</summary>
        public string ComputerName { get; }

        /// <summary>The container, as named to the cmdlet.</summary>
        public string Name { get; }

        /// <summary>What was done: Restart.</summary>
        public string Action { get; }

        /// <summary>The docker command's exit code; null when a signal ended it.</summary>
        public int? ExitCode { get; }

        /// <summary>docker inspect's State.Status after the action.</summary>
        public string StateAfter { get; }

        /// <summary>State.StartedAt after the action (UTC): a restart moves it.</summary>
        public DateTime? StartedAt { get; }

        /// <summary>True when docker exited 0 and the container runs afterwards.</summary>
        public bool Succeeded { get; }

        /// <summary>How long the action took, with the lookup before it and the check after it.</summary>
        public TimeSpan Duration { get; }

        /// <summary>What the docker command wrote to stdout.</summary>
        public string Output { get; }

        /// <summary>What the docker command wrote to stderr.</summary>
        public string Error { get; }
    }

    /// <summary>A container's log on one host, as docker logs printed it.</summary>
    public sealed class ContainerLog
    {
        internal ContainerLog(string computerName, string name, string output, string error, bool truncated)
        {
            ComputerName = computerName;
            Name = name;
            Output = output;
            Error = error;
            Truncated = truncated;
        }

        /// <summary>The host the container is on.</summary>
        public string ComputerName { get; }

        /// <summary>The container, as named to the cmdlet.</summary>
        public string Name { get; }

        /// <summary>What the container wrote to stdout.</summary>
        public string Output { get; }

        /// <summary>What the container wrote to stderr (docker logs keeps the two apart).</summary>
        public string Error { get; }

        /// <summary>True when the log was longer than -MaxOutputBytes and Output or Error holds only its start.</summary>
        public bool Truncated { get; }
    }
}
