using System;
using System.Collections.Generic;
using System.Globalization;
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

        /// <summary>known_hosts has another key of the offered type for this host.</summary>
        Mismatch,

        /// <summary>Nothing is known for this host, and the policy is Strict.</summary>
        Unknown,

        /// <summary>The host is known only by keys of other types than the one offered: a changed key, as ssh sees it.</summary>
        OtherTypeKnown,

        /// <summary>The key is marked <c>@revoked</c>.</summary>
        Revoked,

        /// <summary>What the server sent is not a public key Sentinel can read.</summary>
        Malformed,
    }

    /// <summary>
    /// Decides whether to trust a server's host key. Built before connecting from the policy and the
    /// known_hosts entries for the host, so that the decision itself (made on the SSH library's thread,
    /// at the first key exchange and at every re-key) does no I/O and never prompts. Keys are compared
    /// by the type their blob names (<c>ssh-rsa</c>), never by the negotiated signature algorithm.
    /// </summary>
    internal sealed class HostKeyVerifier
    {
        private readonly KnownHostEntry[] _entries;
        private readonly object _gate = new object();
        private byte[]? _pinnedKey;
        private KnownHostEntry? _matched;
        private KnownHostEntry? _expected;

        public HostKeyVerifier(string computerName, int port, HostKeyPolicy policy, KnownHostsFile knownHosts)
        {
            ComputerName = computerName;
            Port = port;
            Policy = policy;
            KnownHostsPath = knownHosts.Path;
            LookupName = KnownHostsFile.LookupName(computerName, port);
            _entries = knownHosts.EntriesFor(LookupName).ToArray();
            KnownKeyTypes = _entries.Where(e => !e.Revoked).Select(e => e.KeyType).Distinct().ToArray();
        }

        public string ComputerName { get; }

        public int Port { get; }

        public HostKeyPolicy Policy { get; }

        public string KnownHostsPath { get; }

        public string LookupName { get; }

        /// <summary>Key types known_hosts holds for this host, in file order: the transport offers their algorithms first.</summary>
        public IReadOnlyList<string> KnownKeyTypes { get; }

        public HostKeyVerdict Verdict { get; private set; } = HostKeyVerdict.Pending;

        public HostKeyOffer? Offered { get; private set; }

        public string? OfferedFingerprint { get; private set; }

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
            if (offer.KeyType == null)
            {
                return HostKeyVerdict.Malformed;
            }

            if (_entries.Any(e => e.Revoked && e.Key.SequenceEqual(offer.Blob)))
            {
                return HostKeyVerdict.Revoked;
            }

            var current = _entries.Where(e => !e.Revoked).ToArray();
            var sameType = current.Where(e => e.KeyType == offer.KeyType).ToArray();
            _matched = sameType.FirstOrDefault(e => e.Key.SequenceEqual(offer.Blob));
            if (_matched != null)
            {
                return HostKeyVerdict.Known;
            }

            if (Policy == HostKeyPolicy.Ignore)
            {
                return HostKeyVerdict.Unverified;
            }

            if (sameType.Length > 0)
            {
                _expected = sameType[0];
                return HostKeyVerdict.Mismatch;
            }

            // ssh too calls a key changed when only keys of other types are known for the host
            // (hostfile.c check_hostkeys_by_key_or_type) and refuses it under yes and accept-new: a
            // man in the middle needs no stolen key to show a key of another type.
            if (current.Length > 0)
            {
                return HostKeyVerdict.OtherTypeKnown;
            }

            return Policy == HostKeyPolicy.AcceptNew ? HostKeyVerdict.AcceptedNew : HostKeyVerdict.Unknown;
        }

        /// <summary>The connection-story line for the verbose stream: key type, fingerprint, algorithm, verdict.</summary>
        public string Describe()
        {
            var what = Verdict switch
            {
                HostKeyVerdict.Known => $"matches '{KnownHostsPath}' line {_matched!.LineNumber}",
                HostKeyVerdict.AcceptedNew => "is new and accepted (AcceptNew)",
                HostKeyVerdict.Unverified => "was NOT verified (HostKeyPolicy Ignore)",
                _ => Verdict.ToString(),
            };
            return $"Host key {Offered?.KeyType} {OfferedFingerprint} (host-key algorithm {Offered?.Algorithm}) {what}.";
        }

        /// <summary>Writes a newly accepted key to known_hosts. Called on the caller's thread after the handshake.</summary>
        public void RecordIfNew()
        {
            if (Verdict != HostKeyVerdict.AcceptedNew || Offered?.KeyType == null)
            {
                return;
            }

            try
            {
                KnownHostsFile.Append(KnownHostsPath, LookupName, Offered.KeyType, Offered.Blob);
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is System.IO.IOException)
            {
                throw new SentinelException(
                    ErrorIds.KnownHostsUnwritable,
                    ErrorCategory.PermissionDenied,
                    ComputerName,
                    $"The host key of {LookupName} ({Offered.KeyType} {OfferedFingerprint}) was accepted but could not be recorded in '{KnownHostsPath}': {e.Message}",
                    "Make the known_hosts file writable, or pass -KnownHostsFile with a path you can write.",
                    e);
            }
        }

        /// <summary>The error for a refused key, or null when the key was trusted.</summary>
        public SentinelException? Rejection()
        {
            var offered = $"{Offered?.KeyType} {OfferedFingerprint}";
            switch (Verdict)
            {
                case HostKeyVerdict.Mismatch:
                    return new SentinelException(
                        ErrorIds.HostKeyMismatch,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"HOST KEY CHANGED for {LookupName}: the server offered {offered}, but '{KnownHostsPath}' line {_expected!.LineNumber} expects {_expected.KeyType} {Fingerprint.Sha256(_expected.Key)}. Someone may be intercepting the connection, or the host was reinstalled. Sentinel refused to connect.",
                        $"Confirm the new fingerprint with the host's owner, then remove the old key with: ssh-keygen -R '{LookupName}' -f '{KnownHostsPath}'");
                case HostKeyVerdict.OtherTypeKnown:
                    var known = string.Join(", ", _entries.Where(e => !e.Revoked).Select(e => $"{e.KeyType} {Fingerprint.Sha256(e.Key)} (line {e.LineNumber})"));
                    return new SentinelException(
                        ErrorIds.HostKeyMismatch,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"HOST KEY CHANGED for {LookupName}: the server offered {offered}, but '{KnownHostsPath}' knows this host only by {known}, and the server offered none of those types. Someone may be intercepting the connection, or the host was reinstalled. Sentinel refused to connect, as ssh does.",
                        $"Confirm the {Offered?.KeyType} fingerprint with the host's owner, then add its line to known_hosts (ssh-keyscan -t {Offered?.KeyType} -p {Port.ToString(CultureInfo.InvariantCulture)} {ComputerName} prints it) or remove the old keys with: ssh-keygen -R '{LookupName}' -f '{KnownHostsPath}'");
                case HostKeyVerdict.Unknown:
                    return new SentinelException(
                        ErrorIds.HostKeyUnknown,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"The host key of {LookupName} ({offered}) is not in '{KnownHostsPath}', and HostKeyPolicy is Strict.",
                        "Verify the fingerprint with the host's owner, then connect once with -HostKeyPolicy AcceptNew (or add the key to known_hosts).");
                case HostKeyVerdict.Revoked:
                    return new SentinelException(
                        ErrorIds.HostKeyRevoked,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"The host key of {LookupName} ({offered}) is marked @revoked in '{KnownHostsPath}'. Sentinel refused to connect.",
                        "Ask the host's owner for the host's current key.");
                case HostKeyVerdict.Malformed:
                    return new SentinelException(
                        ErrorIds.HostKeyUnknown,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"The server {LookupName} offered a host key that is not a valid SSH public key ({Offered?.Blob.Length} bytes, {OfferedFingerprint}). Sentinel refused to connect.",
                        "Check the server's HostKey files with the host's owner.");
                default:
                    return null;
            }
        }
    }
}
