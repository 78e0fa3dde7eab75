using System;
using Sentinel.Connections;

namespace Sentinel.Results
{
    /// <summary>Whether a session can run commands.</summary>
    public enum SentinelSessionState
    {
        /// <summary>Connected and usable.</summary>
        Open,

        /// <summary>The connection dropped; the session cannot run commands.</summary>
        Broken,

        /// <summary>Disconnected by the user or by module removal.</summary>
        Closed,
    }

    /// <summary>How the server accepted the user.</summary>
    public enum SentinelAuthenticationMethod
    {
        /// <summary>The password (-Credential, $env:SSH_PASS), by the password method.</summary>
        Password,

        /// <summary>The password, answering the server's keyboard-interactive (PAM) password prompt.</summary>
        KeyboardInteractive,

        /// <summary>A private key file.</summary>
        Key,

        /// <summary>A key held by the ssh-agent.</summary>
        AgentKey,
    }

    /// <summary>An open SSH connection to one host, kept in the runspace's session list; its live state is the engine's <see cref="LiveSession"/>.</summary>
    public sealed class SentinelSession
    {
        internal SentinelSession(int id, ConnectionSettings settings, LiveConnection connection, string hostKeyFingerprint, string hostKeyAlgorithm, Transport.UserAuthentication? authentication = null, string? hostKeyTrust = null)
        {
            HostKeyTrust = hostKeyTrust;
            if (authentication != null)
            {
                AuthenticationMethod = (SentinelAuthenticationMethod)authentication.Method;
                if (authentication.KeyBlob != null)
                {
                    var certificate = authentication.Certificate;
                    UserCertificateKeyId = certificate?.KeyId;
                    UserCertificateValidBefore = certificate?.ValidBefore;
                    var certified = certificate == null ? string.Empty : $" certificate '{certificate.KeyId}' valid {certificate.ValidityWindow}";
                    UserKey = $"{HostKeys.SshKeyBlob.KeyType(authentication.KeyBlob)} {HostKeys.Fingerprint.Sha256(authentication.KeyBlob)}{certified} {authentication.KeySource}".TrimEnd();
                }
            }

            Id = id;
            Settings = settings;
            Live = new LiveSession(connection);
            HostKeyFingerprint = hostKeyFingerprint;
            HostKeyAlgorithm = hostKeyAlgorithm;
            ServerVersion = connection.Connection.ServerVersion;
        }

        /// <summary>The session's number in the runspace's session list.</summary>
        public int Id { get; }

        /// <summary>The host connected to.</summary>
        public string ComputerName => Settings.ComputerName;

        /// <summary>The SSH port connected to.</summary>
        public int Port => Settings.Port;

        /// <summary>The user logged in as.</summary>
        public string UserName => Settings.UserName;

        /// <summary>Open, Broken (the connection dropped) or Closed.</summary>
        public SentinelSessionState State
        {
            get
            {
                var connection = Live.Connection;
                if (connection == null)
                {
                    return SentinelSessionState.Closed;
                }

                // A server that closes the connection after each channel leaves the session usable: each channel connects afresh.
                return connection.IsAlive || Live.OneChannelPerConnection ? SentinelSessionState.Open : SentinelSessionState.Broken;
            }
        }

        /// <summary>The server's host key as OpenSSH prints it: <c>SHA256:...</c>.</summary>
        public string HostKeyFingerprint { get; }

        /// <summary>The host key's algorithm, for example ssh-ed25519.</summary>
        public string HostKeyAlgorithm { get; }

        /// <summary>
        /// How the host key was trusted: a known key (known_hosts file and line), a host certificate
        /// (its key id, and the fingerprint and known_hosts line of the CA that signed it), a new key
        /// accepted, or not verified; null when not recorded.
        /// </summary>
        public string? HostKeyTrust { get; }

        /// <summary>How the server accepted the user; null when not recorded.</summary>
        public SentinelAuthenticationMethod? AuthenticationMethod { get; }

        /// <summary>The key the server accepted: type, <c>SHA256:</c> fingerprint, for a certificate its key id and validity, and the key file or the agent's comment for it.</summary>
        public string? UserKey { get; }

        /// <summary>The key id of the OpenSSH user certificate the server accepted; null when the user logged in otherwise.</summary>
        public string? UserCertificateKeyId { get; }

        /// <summary>When that certificate expires (UTC; <see cref="DateTime.MaxValue"/> for never); null without a certificate.</summary>
        public DateTime? UserCertificateValidBefore { get; }

        /// <summary>The server's SSH version string.</summary>
        public string ServerVersion { get; }

        /// <summary>When the current connection was made (a reconnect sets it anew).</summary>
        public DateTime ConnectedAt => Live.ConnectedAt;

        /// <summary>How many times a command reconnected this session after its connection broke.</summary>
        public int Reconnects => Live.Reconnects;

        internal ConnectionSettings Settings { get; }

        internal LiveSession Live { get; }

        /// <summary>The connection, or null once closed.</summary>
        internal LiveConnection? Connection => Live.Connection;

        internal bool Replace(LiveConnection connection) => Live.Replace(connection);

        internal void Close() => Live.Close();

        /// <summary>The session in one line: id, user@host:port and state.</summary>
        public override string ToString() => $"{Id}: {UserName}@{ComputerName}:{Port} ({State})";
    }
}
