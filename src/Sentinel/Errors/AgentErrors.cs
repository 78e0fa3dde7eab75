using System;
using System.Management.Automation;

namespace Sentinel.Errors
{
    /// <summary>The wording of ssh-agent failures: which host, which agent, what went wrong.</summary>
    internal static class AgentErrors
    {
        public static SentinelException Unavailable(string computerName, string location, string detail, Exception? inner = null) => new SentinelException(
            ErrorIds.AgentUnavailable,
            ErrorCategory.ConnectionError,
            computerName,
            $"The ssh-agent at '{location}' cannot be used for {computerName}: {detail}",
            "Check that ssh-agent runs and that $env:SSH_AUTH_SOCK (or IdentityAgent in ~/.ssh/config) names its socket ('ssh-add -l' tells); or pass -KeyFile or -Credential.",
            inner);

        public static SentinelException NoIdentities(string computerName, string userName, string location) => new SentinelException(
            ErrorIds.NoCredential,
            ErrorCategory.InvalidArgument,
            computerName,
            $"No way to authenticate '{userName}' to {computerName}: the ssh-agent at '{location}' holds no usable identity, and there is no -Credential, no -KeyFile, no $env:SSH_PASS and no usable key in ~/.ssh.",
            "Add a key to the agent with ssh-add, or pass -Credential or -KeyFile.");
    }
}
