using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Execution;
using Sentinel.Results;

namespace Sentinel.Hosts
{
    /// <summary>
    /// What the controllers (services, containers, privileges, keys, files) need of a host: its session
    /// and a way to run audited commands on it. <see cref="RemoteHost"/> is the real one; unit tests
    /// script their own.
    /// </summary>
    internal interface IRemoteHost
    {
        string ComputerName { get; }

        /// <summary>The session commands run on; set once the host is open.</summary>
        SentinelSession Session { get; }

        /// <summary>What sudo is given when it asks: -SudoCredential's password, else the login password (none for a key login).</summary>
        SecureString? SudoPassword { get; }

        /// <summary>Runs one command on the host and records it in the audit log, whatever its outcome.</summary>
        Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken);
    }
}
