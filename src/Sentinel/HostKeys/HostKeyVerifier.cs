using System;
using System.Linq;
using System.Management.Automation;
using Sentinel.Errors;
using Sentinel.Transport;

namespace Sentinel.HostKeys
{
    internal enum HostKeyVerdict
    {
        /// <summary>No key seen yet.</summary>
        Pending,

        /// <summary>known_hosts has this very key.</summary>
        Known,

        /// <summary>Unknown key accepted under AcceptNew; to be recorded.</summary>
        AcceptedNew,

        /// <summary>Accepted without checking, under Ignore.</summary>
        Unverified,

        Mismatch,
        Unknown,
        Revoked,
    }

    /// <summary>
    /// Decides whether to trust a server's host key. Built before connecting from the policy and the
    /// known_hosts entries for the host, so that the decision itself (made on the SSH library's thread,
    /// at the first key exchange and at every re-key) does no I/O and never prompts.
    /// </summary>
    internal sealed class HostKeyVerifier
    {
        private readonly KnownHostEntry[] _entries;
        private readonly object _gate = new object();
        private byte[]? _pinnedKey;

        public HostKeyVerifier(string computerName, int port, HostKeyPolicy policy, KnownHostsFile knownHosts)
        {
            ComputerName = computerName;
            Port = port;
            Policy = policy;
            KnownHostsPath = knownHosts.Path;
            LookupName = KnownHostsFile.LookupName(computerName, port);
            _entries = knownHosts.EntriesFor(LookupName).ToArray();
        }

        public string ComputerName { get; }

        public int Port { get; }

        public HostKeyPolicy Policy { get; }

        public string KnownHostsPath { get; }

        public string LookupName { get; }

        public HostKeyVerdict Verdict { get; private set; } = HostKeyVerdict.Pending;

        public HostKeyOffer? Offered { get; private set; }

        public string? OfferedFingerprint { get; private set; }

        /// <summary>Fingerprint of the key known_hosts expected, for a mismatch.</summary>
        public string? ExpectedFingerprint { get; private set; }

        public int? ExpectedLine { get; private set; }

        public bool Verify(HostKeyOffer offer)
        {
            lock (_gate)
            {
                // A re-key must present the key we already accepted for this connection.
                if (_pinnedKey != null)
                {
                    return offer.Blob.SequenceEqual(_pinnedKey);
                }

                Offered = offer;
                OfferedFingerprint = Fingerprint.Sha256(offer.Blob);
                Verdict = Decide(offer);
                var trusted = Verdict == HostKeyVerdict.Known || Verdict == HostKeyVerdict.AcceptedNew || Verdict == HostKeyVerdict.Unverified;
                if (trusted)
                {
                    _pinnedKey = offer.Blob;
                }

                return trusted;
            }
        }

        private HostKeyVerdict Decide(HostKeyOffer offer)
        {
            if (_entries.Any(e => e.Revoked && e.Key.SequenceEqual(offer.Blob)))
            {
                return HostKeyVerdict.Revoked;
            }

            var sameType = _entries.Where(e => !e.Revoked && e.KeyType == offer.Algorithm).ToArray();
            if (sameType.Any(e => e.Key.SequenceEqual(offer.Blob)))
            {
                return HostKeyVerdict.Known;
            }

            if (Policy == HostKeyPolicy.Ignore)
            {
                return HostKeyVerdict.Unverified;
            }

            if (sameType.Length > 0)
            {
                ExpectedFingerprint = Fingerprint.Sha256(sameType[0].Key);
                ExpectedLine = sameType[0].LineNumber;
                return HostKeyVerdict.Mismatch;
            }

            return Policy == HostKeyPolicy.AcceptNew ? HostKeyVerdict.AcceptedNew : HostKeyVerdict.Unknown;
        }

        /// <summary>Writes a newly accepted key to known_hosts. Called on the caller's thread after the handshake.</summary>
        public void RecordIfNew()
        {
            if (Verdict != HostKeyVerdict.AcceptedNew || Offered == null)
            {
                return;
            }

            try
            {
                KnownHostsFile.Append(KnownHostsPath, LookupName, Offered.Algorithm, Offered.Blob);
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is System.IO.IOException)
            {
                throw new SentinelException(
                    ErrorIds.KnownHostsUnwritable,
                    ErrorCategory.PermissionDenied,
                    ComputerName,
                    $"The host key of {LookupName} ({OfferedFingerprint}) was accepted but could not be recorded in '{KnownHostsPath}': {e.Message}",
                    "Make the known_hosts file writable, or pass -KnownHostsFile with a path you can write.",
                    e);
            }
        }

        /// <summary>The error for a refused key, or null when the key was trusted.</summary>
        public SentinelException? Rejection()
        {
            switch (Verdict)
            {
                case HostKeyVerdict.Mismatch:
                    return new SentinelException(
                        ErrorIds.HostKeyMismatch,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"HOST KEY CHANGED for {LookupName}: the server offered {Offered!.Algorithm} {OfferedFingerprint}, but '{KnownHostsPath}' line {ExpectedLine} expects {ExpectedFingerprint}. Someone may be intercepting the connection, or the host was reinstalled. Sentinel refused to connect.",
                        $"Confirm the new fingerprint with the host's owner, then remove the old key with: ssh-keygen -R '{LookupName}' -f '{KnownHostsPath}'");
                case HostKeyVerdict.Unknown:
                    return new SentinelException(
                        ErrorIds.HostKeyUnknown,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"The host key of {LookupName} ({Offered!.Algorithm} {OfferedFingerprint}) is not in '{KnownHostsPath}', and HostKeyPolicy is Strict.",
                        "Verify the fingerprint with the host's owner, then connect once with -HostKeyPolicy AcceptNew (or add the key to known_hosts).");
                case HostKeyVerdict.Revoked:
                    return new SentinelException(
                        ErrorIds.HostKeyRevoked,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"The host key of {LookupName} ({OfferedFingerprint}) is marked @revoked in '{KnownHostsPath}'. Sentinel refused to connect.",
                        "Ask the host's owner for the host's current key.");
                default:
                    return null;
            }
        }
    }
}
