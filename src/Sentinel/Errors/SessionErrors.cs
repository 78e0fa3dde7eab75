using System.Management.Automation;

namespace Sentinel.Errors
{
    internal static class SessionErrors
    {
        public static SentinelException NotFound(int id) => new SentinelException(
            ErrorIds.SessionNotFound,
            ErrorCategory.ObjectNotFound,
            null,
            $"There is no Sentinel session with Id {id} in this runspace.",
            "List the open sessions with Get-SentinelSession.");

        public static SentinelException NoneOpen() => new SentinelException(
            ErrorIds.NoSession,
            ErrorCategory.ObjectNotFound,
            null,
            "There is no open Sentinel session in this runspace to run the command on.",
            "Connect first with Connect-SentinelServer, or pass -Session.");

        public static SentinelException Closed(Results.SentinelSession session) => new SentinelException(
            ErrorIds.SessionClosed,
            ErrorCategory.ConnectionError,
            session.ComputerName,
            $"Session {session.Id} to {session.ComputerName} is closed.",
            "Open a new one with Connect-SentinelServer.");

        public static SentinelException Broken(Results.SentinelSession session, string reason) => new SentinelException(
            ErrorIds.SessionBroken,
            ErrorCategory.ConnectionError,
            session.ComputerName,
            $"Session {session.Id} to {session.ComputerName} is broken ({reason}), and -NoReconnect was given.",
            "Run without -NoReconnect to reconnect once, or open a new session with Connect-SentinelServer.");

        public static SentinelException HostKeyChangedOnReconnect(Results.SentinelSession session, string offered) => new SentinelException(
            ErrorIds.HostKeyMismatch,
            ErrorCategory.SecurityError,
            session.ComputerName,
            $"Reconnecting session {session.Id} to {session.ComputerName}: the server now offers host key {offered}, but the session was opened with {session.HostKeyFingerprint}. Sentinel refused to reconnect.",
            "Confirm the new key with the host's owner, then open a new session with Connect-SentinelServer.");
    }
}
