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

        /// <summary>A host certificate signed by a <c>@cert-authority</c> of this host, valid for its name and now.</summary>
        Certified,

        /// <summary>A host certificate by a trusted CA that does not hold for this host now (principals, validity, kind, options).</summary>
        CertificateRefused,
    }

    /// <summary>
    /// Decides whether to trust a server's host key. Built before connecting from the policy and the
    /// known_hosts entries for the host, so that the decision itself (made on the SSH library's thread,
    /// at the first key exchange and at every re-key) does no I/O and never prompts. Keys are compared
    /// by the type their blob names (<c>ssh-rsa</c>), never by the negotiated signature algorithm.
    /// A host certificate is trusted as OpenSSH trusts it (sshconnect.c check_host_key): its CA is a
    /// <c>@cert-authority</c> line for the host, it is a host certificate whose principals match the
    /// name dialled, valid now, with no critical options and no SHA-1 CA signature. Its CA signature
    /// is checked by the transport (SSH.NET verifies it, and the validity, before asking here). A
    /// certificate no listed CA vouches for is judged by its plain key, as ssh retries it.
    /// On a port other than 22 the host's lines are those of <c>[host]:port</c>; when they say nothing
    /// of the key, ssh tries the lines of the name without the port, for keys and <c>@cert-authority</c>
    /// lines alike, and trusts only the very key or a CA there ("found matching key w/out port"): another
    /// key there makes the key new, not changed. Sentinel follows it, and refuses a key or CA
    /// <c>@revoked</c> there where ssh would go on to take the key as new.
    /// </summary>
    internal sealed class HostKeyVerifier
    {
        private readonly object _gate = new object();
        private readonly Scope _named;
        private readonly Scope? _portless;
        private byte[]? _pinnedKey;
        private KnownHostEntry? _matched;
        private bool _matchedWithoutPort;
        private KnownHostEntry? _expected;
        private KnownHostEntry? _otherWithoutPort;
        private SshCertificate? _certificate;
        private KnownHostEntry? _refusingAuthority;
        private string? _refusal;

        public HostKeyVerifier(string computerName, int port, HostKeyPolicy policy, KnownHostsFile knownHosts)
        {
            ComputerName = computerName;
            Port = port;
            Policy = policy;
            KnownHostsPath = knownHosts.Path;
            LookupName = KnownHostsFile.LookupName(computerName, port);
            _named = new Scope(knownHosts.EntriesFor(LookupName));
            var portless = KnownHostsFile.LookupName(computerName, 22);
            _portless = portless == LookupName ? null : new Scope(knownHosts.EntriesFor(portless));
            PortlessName = portless;

            // The lines without the port count only when [host]:port has no key: with one, a plain key is
            // known or changed there and ssh never falls back.
            var keys = _named.HostKeys.Length > 0 || _portless == null ? _named.HostKeys : _portless.HostKeys;
            KnownKeyTypes = keys.Select(e => e.KeyType).Distinct().ToArray();
        }

        /// <summary>
        /// True when a <c>@cert-authority</c> line matches this host, with or without its port: only then
        /// are host certificates asked for first (OpenSSH's order_hostkeyalgs; ssh offers certificates
        /// first anyway), so a host without one is checked exactly as before.
        /// </summary>
        public bool ExpectsCertificate => _named.Authorities.Length > 0 || _portless?.Authorities.Length > 0;

        /// <summary>
        /// How the host was trusted, for the session object: <c>known_hosts line</c>, <c>certificate</c>
        /// (CA fingerprint and key id), <c>new</c> or <c>not verified</c>.
        /// </summary>
        public string Trust => Verdict switch
        {
            HostKeyVerdict.Known => $"known key, {MatchedLine}",
            HostKeyVerdict.Certified => $"certificate '{_certificate!.KeyId}' (serial {_certificate.Serial}, valid {_certificate.ValidityWindow}) signed by CA {SshKeyBlob.KeyType(_certificate.SignatureKey)} {Fingerprint.Sha256(_certificate.SignatureKey)}, {MatchedLine}",
            HostKeyVerdict.AcceptedNew => $"new key, accepted (AcceptNew) and recorded in '{KnownHostsPath}'",
            HostKeyVerdict.Unverified => "NOT verified (HostKeyPolicy Ignore)",
            _ => Verdict.ToString(),
        };

        public string ComputerName { get; }

        public int Port { get; }

        public HostKeyPolicy Policy { get; }

        public string KnownHostsPath { get; }

        public string LookupName { get; }

        /// <summary>The host's name without the port (<c>host</c>), which ssh falls back to on other ports.</summary>
        public string PortlessName { get; }

        private string MatchedLine => $"'{KnownHostsPath}' line {_matched!.LineNumber}{(_matchedWithoutPort ? $" ('{PortlessName}' without the port, as ssh falls back)" : string.Empty)}";

        /// <summary>Key types known_hosts holds for this host, in file order: the transport offers their algorithms first.</summary>
        public IReadOnlyList<string> KnownKeyTypes { get; }

        public HostKeyVerdict Verdict { get; private set; } = HostKeyVerdict.Pending;

        public HostKeyOffer? Offered { get; private set; }

        public string? OfferedFingerprint { get; private set; }

        /// <summary>
        /// Judges a host certificate as it arrives, before the transport checks its signatures: when the
        /// transport then refuses it (SSH.NET refuses an expired certificate without saying so),
        /// <see cref="Rejection"/> can still say why. Trusts nothing; <see cref="Verify"/> decides.
        /// </summary>
        public void Presented(HostKeyOffer offer)
        {
            lock (_gate)
            {
                if (_pinnedKey == null)
                {
                    Judge(offer);
                }
            }
        }

        public bool Verify(HostKeyOffer offer)
        {
            lock (_gate)
            {
                // A re-key must present the key we already accepted for this connection.
                if (_pinnedKey != null)
                {
                    return offer.Blob.SequenceEqual(_pinnedKey);
                }

                var trusted = Judge(offer);
                if (trusted)
                {
                    _pinnedKey = offer.Blob;
                }

                return trusted;
            }
        }

        private bool Judge(HostKeyOffer offer)
        {
            Offered = offer;

            // A certificate is fingerprinted by the key it certifies, as ssh prints it: a renewed
            // certificate of the same key is the same host.
            OfferedFingerprint = Fingerprint.Sha256(SshCertificate.TryParse(offer.Blob)?.PublicKey ?? offer.Blob);
            _matched = null;
            _matchedWithoutPort = false;
            _expected = null;
            _otherWithoutPort = null;
            _certificate = null;
            _refusingAuthority = null;
            _refusal = null;
            Verdict = Decide(offer);
            return Verdict == HostKeyVerdict.Known || Verdict == HostKeyVerdict.Certified || Verdict == HostKeyVerdict.AcceptedNew || Verdict == HostKeyVerdict.Unverified;
        }

        private HostKeyVerdict Decide(HostKeyOffer offer)
        {
            if (offer.KeyType == null)
            {
                return HostKeyVerdict.Malformed;
            }

            if (SshKeyBlob.IsCertificate(offer.KeyType))
            {
                _certificate = SshCertificate.TryParse(offer.Blob);
                if (_certificate == null)
                {
                    return HostKeyVerdict.Malformed;
                }
            }

            var verdict = Check(_named, _certificate != null, offer.Blob, offer.KeyType)!.Value;

            // A certificate a listed CA refused (expired, another name) stays refused unless its key is
            // itself known; Sentinel does not take it as new under AcceptNew as ssh would.
            var rescued = verdict == HostKeyVerdict.Known || verdict == HostKeyVerdict.Revoked;
            return _refusingAuthority != null && !rescued ? HostKeyVerdict.CertificateRefused : verdict;
        }

        /// <summary>
        /// One pass of ssh's check_host_key over the lines of one name: the certificate (when
        /// <paramref name="asCertificate"/>), then its plain key. At the name with the port, a key these
        /// lines say nothing of is tried under the name without it; there (<paramref name="scope"/> is
        /// <see cref="_portless"/>) only a trusted or revoked key is an answer, anything else is null.
        /// </summary>
        private HostKeyVerdict? Check(Scope scope, bool asCertificate, byte[] offered, string offeredType)
        {
            var portless = scope == _portless;
            if (asCertificate)
            {
                var certificate = _certificate!;
                if (scope.Revokes(certificate.SignatureKey))
                {
                    _refusal = $"its CA {SshKeyBlob.KeyType(certificate.SignatureKey)} {Fingerprint.Sha256(certificate.SignatureKey)} is marked @revoked";
                    return HostKeyVerdict.Revoked;
                }

                if (scope.Revokes(certificate.PublicKey))
                {
                    _refusal = $"its key {SshKeyBlob.KeyType(certificate.PublicKey)} {Fingerprint.Sha256(certificate.PublicKey)} is marked @revoked";
                    return HostKeyVerdict.Revoked;
                }

                var authority = scope.Authorities.FirstOrDefault(a => a.Key.SequenceEqual(certificate.SignatureKey));
                if (authority != null)
                {
                    var problem = CertificateProblem(certificate);
                    if (problem == null)
                    {
                        return Matched(authority, portless, HostKeyVerdict.Certified);
                    }

                    if (_refusingAuthority == null)
                    {
                        _refusingAuthority = authority;
                        _refusal = problem;
                    }
                }
                else if (!portless && _portless != null)
                {
                    var withoutPort = Check(_portless, true, offered, offeredType);
                    if (withoutPort != null)
                    {
                        return withoutPort;
                    }
                }

                // No CA of this name vouches for it: ssh retries with the plain key.
                offered = certificate.PublicKey;
                offeredType = SshKeyBlob.KeyType(offered)!;
            }

            if (scope.Revokes(offered))
            {
                // Of a certificate, say it is its key (not the problem a CA found with it earlier).
                _refusal = _certificate == null ? null : $"its key {offeredType} {Fingerprint.Sha256(offered)} is marked @revoked";
                return HostKeyVerdict.Revoked;
            }

            var sameType = scope.HostKeys.Where(e => e.KeyType == offeredType).ToArray();
            var known = sameType.FirstOrDefault(e => e.Key.SequenceEqual(offered));
            if (known != null)
            {
                return Matched(known, portless, HostKeyVerdict.Known);
            }

            if (portless)
            {
                // Another key without the port does not make this one changed (ssh checks that name quietly).
                _otherWithoutPort ??= sameType.FirstOrDefault() ?? scope.HostKeys.FirstOrDefault();
                return null;
            }

            if (scope.HostKeys.Length == 0 && _portless != null)
            {
                var withoutPort = Check(_portless, false, offered, offeredType);
                if (withoutPort != null)
                {
                    return withoutPort;
                }
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
            if (scope.HostKeys.Length > 0)
            {
                return HostKeyVerdict.OtherTypeKnown;
            }

            return Policy == HostKeyPolicy.AcceptNew ? HostKeyVerdict.AcceptedNew : HostKeyVerdict.Unknown;
        }

        private HostKeyVerdict Matched(KnownHostEntry entry, bool withoutPort, HostKeyVerdict verdict)
        {
            _matched = entry;
            _matchedWithoutPort = withoutPort;
            return verdict;
        }

        /// <summary>Why a certificate from a trusted CA does not hold for this host now (sshkey_cert_check_host), or null.</summary>
        private string? CertificateProblem(SshCertificate certificate)
        {
            var now = DateTime.UtcNow;
            var name = ComputerName.ToLowerInvariant();
            if (certificate.Kind != SshCertificateKind.Host)
            {
                return "it is a user certificate, not a host certificate";
            }

            if (!certificate.IsValidAt(now))
            {
                return $"it is {(now < certificate.ValidAfter ? "not yet valid" : "expired")}: valid {certificate.ValidityWindow}, now is {now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z";
            }

            if (!certificate.Principals.Any(p => Connections.HostPatterns.Glob(p, name)))
            {
                return $"its principals ({certificate.PrincipalList}) do not include '{name}'";
            }

            if (certificate.CriticalOptions.Count > 0)
            {
                return $"it has critical options Sentinel does not support ({string.Join(", ", certificate.CriticalOptions)})";
            }

            return certificate.SignatureAlgorithm == "ssh-rsa" || certificate.SignatureAlgorithm == "ssh-dss"
                ? $"its CA signed it with {certificate.SignatureAlgorithm} (SHA-1), which OpenSSH no longer accepts"
                : null;
        }

        /// <summary>The connection-story line for the verbose stream: key type, fingerprint, algorithm, verdict.</summary>
        public string Describe()
        {
            var what = Verdict switch
            {
                HostKeyVerdict.Known => $"matches {MatchedLine}",
                HostKeyVerdict.Certified => $"is trusted by its {Trust}",
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

            // A certificate by an unlisted CA was judged by its plain key: that key is what ssh records.
            var key = _certificate?.PublicKey ?? Offered.Blob;
            try
            {
                KnownHostsFile.Append(KnownHostsPath, LookupName, SshKeyBlob.KeyType(key)!, key);
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
            if (_certificate != null)
            {
                offered += $" (certificate '{_certificate.KeyId}' for {_certificate.PrincipalList}, signed by CA {SshKeyBlob.KeyType(_certificate.SignatureKey)} {Fingerprint.Sha256(_certificate.SignatureKey)}{(Verdict != HostKeyVerdict.Revoked && Verdict != HostKeyVerdict.CertificateRefused ? ", a CA known_hosts does not list for this host" : string.Empty)})";
            }

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
                    var known = string.Join(", ", _named.HostKeys.Select(e => $"{e.KeyType} {Fingerprint.Sha256(e.Key)} (line {e.LineNumber})"));
                    return new SentinelException(
                        ErrorIds.HostKeyMismatch,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"HOST KEY CHANGED for {LookupName}: the server offered {offered}, but '{KnownHostsPath}' knows this host only by {known}, and the server offered none of those types. Someone may be intercepting the connection, or the host was reinstalled. Sentinel refused to connect, as ssh does.",
                        $"Confirm the {Offered?.KeyType} fingerprint with the host's owner, then add its line to known_hosts (ssh-keyscan -t {Offered?.KeyType} -p {Port.ToString(CultureInfo.InvariantCulture)} {ComputerName} prints it) or remove the old keys with: ssh-keygen -R '{LookupName}' -f '{KnownHostsPath}'");
                case HostKeyVerdict.Unknown:
                    var otherWithoutPort = _otherWithoutPort == null
                        ? string.Empty
                        : $" The entry for '{PortlessName}' without the port (line {_otherWithoutPort.LineNumber}) holds another key, {_otherWithoutPort.KeyType} {Fingerprint.Sha256(_otherWithoutPort.Key)}: like ssh, Sentinel falls back to it only for the very key offered.";
                    return new SentinelException(
                        ErrorIds.HostKeyUnknown,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"The host key of {LookupName} ({offered}) is not in '{KnownHostsPath}', and HostKeyPolicy is Strict.{otherWithoutPort}",
                        "Verify the fingerprint with the host's owner, then connect once with -HostKeyPolicy AcceptNew (or add the key to known_hosts).");
                case HostKeyVerdict.Revoked:
                    return new SentinelException(
                        ErrorIds.HostKeyRevoked,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        _refusal != null
                            ? $"The host certificate of {LookupName} ({offered}) is refused: {_refusal} in '{KnownHostsPath}'. Sentinel refused to connect."
                            : $"The host key of {LookupName} ({offered}) is marked @revoked in '{KnownHostsPath}'. Sentinel refused to connect.",
                        "Ask the host's owner for the host's current key.");
                case HostKeyVerdict.Certified when _pinnedKey == null:
                    // Judged good here, then refused by the transport: its signature checks failed.
                    return new SentinelException(
                        ErrorIds.CertificateInvalid,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"The host certificate of {LookupName} ({offered}) names this host and is valid now, but its signatures did not verify (the CA's over the certificate, or the server's with its key). Someone may be intercepting the connection. Sentinel refused to connect.",
                        "Ask the host's owner to check the host certificate (ssh-keygen -L -f <cert>) and the CA key in known_hosts.");
                case HostKeyVerdict.Known when _pinnedKey == null && _refusingAuthority != null:
                    // Its key is known, but the transport refused the certificate itself (SSH.NET refuses an
                    // expired one) before Sentinel could fall back to the key as ssh does.
                    return new SentinelException(
                        ErrorIds.CertificateInvalid,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"The host certificate of {LookupName} ({offered}), signed by the CA of '{KnownHostsPath}' line {_refusingAuthority.LineNumber}, does not hold for this host: {_refusal}. Its key is known ({MatchedLine}), but the SSH library refused the certificate before Sentinel could fall back to the key. Sentinel refused to connect.",
                        "Ask the host's owner to re-issue the host certificate (ssh-keygen -s <ca> -h -n <names> -V <window>), or check this machine's clock.");
                case HostKeyVerdict.CertificateRefused:
                    return new SentinelException(
                        ErrorIds.CertificateInvalid,
                        ErrorCategory.SecurityError,
                        ComputerName,
                        $"The host certificate of {LookupName} ({offered}), signed by the CA of '{KnownHostsPath}' line {_refusingAuthority!.LineNumber}, does not hold for this host: {_refusal}. Sentinel refused to connect.",
                        "Ask the host's owner to re-issue the host certificate (ssh-keygen -s <ca> -h -n <names> -V <window>), or check this machine's clock.");
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

        /// <summary>The known_hosts lines of one name: its host keys, its CAs and its revocations.</summary>
        private sealed class Scope
        {
            private readonly KnownHostEntry[] _revoked;

            public Scope(IEnumerable<KnownHostEntry> entries)
            {
                var all = entries.ToArray();
                HostKeys = all.Where(e => e.IsHostKey).ToArray();
                Authorities = all.Where(e => e.CertificateAuthority).ToArray();
                _revoked = all.Where(e => e.Revoked).ToArray();
            }

            public KnownHostEntry[] HostKeys { get; }

            public KnownHostEntry[] Authorities { get; }

            public bool Revokes(byte[] key) => _revoked.Any(e => e.Key.SequenceEqual(key));
        }
    }
}
