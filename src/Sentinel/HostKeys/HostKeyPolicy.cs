namespace Sentinel.HostKeys
{
    /// <summary>What to do with a host key that known_hosts does not already vouch for.</summary>
    public enum HostKeyPolicy
    {
        /// <summary>Record an unknown key, refuse a changed one (OpenSSH's accept-new).</summary>
        AcceptNew,

        /// <summary>Refuse unknown and changed keys (OpenSSH's yes).</summary>
        Strict,

        /// <summary>Accept any key, with a warning. For throwaway lab hosts only.</summary>
        Ignore,
    }
}
