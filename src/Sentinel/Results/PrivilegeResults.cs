namespace Sentinel.Results
{
    /// <summary>Whether the login user may do an action the way Sentinel does it.</summary>
    public enum SudoAccess
    {
        /// <summary>Sentinel does this as the login user, without sudo (service status).</summary>
        NotNeeded,

        /// <summary>Allowed without a password: a NOPASSWD rule (or, for docker, membership of the docker group).</summary>
        NoPassword,

        /// <summary>Allowed, but sudo asks for the user's password (-SudoCredential or the login password).</summary>
        Password,

        /// <summary>Not allowed: no rule matches, a '!' rule forbids it, or sudo cannot be used at all.</summary>
        NotAllowed,

        /// <summary>Sentinel could not tell: sudo would not list the rules without a password.</summary>
        Unknown,
    }

    /// <summary>The actions Test-SentinelPrivilege checks.</summary>
    public enum PrivilegeAction
    {
        /// <summary>Reading a service's status.</summary>
        Status,

        /// <summary>Starting a service.</summary>
        Start,

        /// <summary>Stopping a service.</summary>
        Stop,

        /// <summary>Restarting a service.</summary>
        Restart,

        /// <summary>Testing a service's configuration (nginx -t, sshd -t, ...).</summary>
        ConfigTest,

        /// <summary>Running docker (as a member of the docker group).</summary>
        Docker,
    }

    /// <summary>One action's verdict on one host, with the sudoers line that would allow it without a password.</summary>
    public sealed class PrivilegeCheckResult
    {
        internal PrivilegeCheckResult(string computerName, string userName, string? service, ServiceManager? manager, PrivilegeAction action, string command, SudoAccess access, string? sudoersLine, string detail)
        {
            ComputerName = computerName;
            UserName = userName;
            Service = service;
            Manager = manager;
            Action = action;
            Command = command;
            Access = access;
            SudoersLine = sudoersLine;
            Detail = detail;
        }

        /// <summary>The host checked.</summary>
        public string ComputerName { get; }

        /// <summary>The login user whose rights were checked.</summary>
        public string UserName { get; }

        /// <summary>The service the action is for; null for docker.</summary>
        public string? Service { get; }

        /// <summary>The host's service manager; null for docker.</summary>
        public ServiceManager? Manager { get; }

        /// <summary>The action checked.</summary>
        public PrivilegeAction Action { get; }

        /// <summary>The command as sudo (or the login shell, for status and docker) receives it: <c>/usr/sbin/service nginx restart</c>.</summary>
        public string Command { get; }

        /// <summary>Whether, and how, the user may run the command.</summary>
        public SudoAccess Access { get; }

        /// <summary>Allowed without a password, by any means (true for NotNeeded and NoPassword).</summary>
        public bool Allowed => Access == SudoAccess.NotNeeded || Access == SudoAccess.NoPassword;

        /// <summary>The least-privilege sudoers line that allows the command without a password; null when nothing is missing or no line helps.</summary>
        public string? SudoersLine { get; }

        /// <summary>Which rule decided, or why nothing could, and what to do.</summary>
        public string Detail { get; }
    }
}
