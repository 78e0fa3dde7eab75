using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Agent;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Pacing;
using Sentinel.Remediation;
using Sentinel.Results;
using Sentinel.Transport;

namespace Sentinel.Connections
{
    /// <summary>What one connection attempt did, step by step; Test-SentinelConnection reports from it.</summary>
    internal sealed class ConnectAttempt
    {
        public ConnectAttempt(ConnectionSettings settings)
        {
            Settings = settings;
        }

        public ConnectionSettings Settings { get; }

        public HostKeyVerifier? Verifier { get; set; }

        /// <summary>The clock of the handshake under way, told when the server answers and when the key exchange is done.</summary>
        public HandshakeClock? Handshake { get; set; }

        /// <summary>Time from the start until the host key was judged: TCP plus key exchange.</summary>
        public TimeSpan? HandshakeTime { get; set; }

        public TimeSpan Elapsed { get; set; }

        public ISshConnection? Connection { get; set; }

        public SentinelException? Error { get; set; }

        /// <summary>What the attempt offered to authenticate with, for messages and hints.</summary>
        public string Offered { get; set; } = string.Empty;

        /// <summary>Which method and key the server accepted; null until authenticated.</summary>
        public UserAuthentication? Authenticated { get; set; }

        public ISshConnection Succeeded() => Connection ?? throw Error!;

        /// <summary>
        /// What to do about this attempt's authentication error: the error's own hint (which knows what
        /// the server accepts, or which prompt it asked), and for a refusal any key file OpenSSH would
        /// refuse to use because others can read it.
        /// </summary>
        public string AuthenticationHint()
        {
            var hints = new List<string> { Error?.RecommendedAction ?? string.Empty };
            if (Error?.ErrorId == ErrorIds.AuthenticationFailed)
            {
                foreach (var key in Settings.KeyFiles)
                {
                    var mode = Platform.UnixPermissions.TryGet(key);
                    if (mode.HasValue && (mode.Value & Convert.ToInt32("077", 8)) != 0)
                    {
                        hints.Add($"The key file '{key}' is readable by other users (mode {Convert.ToString(mode.Value, 8)}); OpenSSH refuses such keys: chmod 600 '{key}'.");
                    }
                }
            }

            return string.Join(" ", hints.Where(h => h.Length > 0));
        }

        /// <summary>
        /// A session on this attempt's connection that no session store lists: a cmdlet's own, for one
        /// piece of work. Throws the attempt's error when it did not connect.
        /// </summary>
        public SentinelSession UnlistedSession(KeepAliveSettings keepAlive) =>
            new SentinelSession(0, Settings, new LiveConnection(Succeeded(), keepAlive), Verifier!.OfferedFingerprint!, Verifier.Offered!.Algorithm, Authenticated, Verifier.Trust);
    }

    /// <summary>
    /// Opens connections: loads keys, resolves the name, builds the host-key verifier from known_hosts,
    /// dials each address in turn, records a newly accepted host key, and turns every failure into a
    /// SentinelException naming the host.
    /// </summary>
    internal sealed class Connector
    {
        private static readonly string[] PasswordMethod = { "password" };

        private readonly ISshTransport _transport;
        private readonly IRunnerLoad _load;
        private readonly IClock _clock;

        /// <param name="pacer">Paces this cmdlet's handshakes; null runs every handshake at once.</param>
        /// <param name="load">Tells when this machine is saturated; the process's shared measurement by default.</param>
        /// <param name="clock">Times handshakes; the system clock by default.</param>
        public Connector(ISshTransport transport, HandshakePacer? pacer = null, IRunnerLoad? load = null, IClock? clock = null)
        {
            _transport = transport;
            Pacer = pacer;
            _load = load ?? RunnerLoad.Shared;
            _clock = clock ?? SystemClock.Instance;
        }

        /// <summary>How many handshakes run at once, and why; null when not paced.</summary>
        public HandshakePacer? Pacer { get; }

        /// <summary>
        /// Connects to the host, through its jump hosts when it has any. A failure at any hop is the
        /// attempt's error. Whatever ends the attempt early (a failure, an unexpected exception, a stop)
        /// closes every hop and forward opened so far; a connection completed after a stop is closed too,
        /// and the stop surfaces as OperationCanceledException.
        /// </summary>
        public async Task<ConnectAttempt> ConnectAsync(ConnectionSettings settings, Action<string> log, CancellationToken cancellationToken)
        {
            if (settings.JumpHosts.Count == 0)
            {
                return KeptUnlessStopped(await ConnectOneAsync(settings, null, log, cancellationToken).ConfigureAwait(false), cancellationToken);
            }

            // Each bastion forwards a local port to the next hop; the next hop is dialled there but
            // its host key is checked against its own name and port, never 127.0.0.1.
            var opened = new List<IDisposable>();
            var handedOver = false;
            try
            {
                int? via = null;
                var hops = settings.JumpHosts.Concat(new[] { settings }).ToArray();
                for (var i = 0; i < hops.Length - 1; i++)
                {
                    log($"Jump host {i + 1} of {hops.Length - 1} for {settings.ComputerName}: {hops[i].UserName}@{hops[i].HostName}:{hops[i].Port}.");
                    var hop = await ConnectOneAsync(hops[i], via, log, cancellationToken).ConfigureAwait(false);
                    if (hop.Connection == null)
                    {
                        return new ConnectAttempt(settings) { Error = ThroughJumpHost(hops[i], settings, hop.Error!), Elapsed = hop.Elapsed };
                    }

                    opened.Add(hop.Connection);
                    try
                    {
                        var forward = hop.Connection.ForwardLocal(hops[i + 1].HostName, hops[i + 1].Port);
                        opened.Add(forward);
                        via = forward.LocalPort;
                    }
                    catch (Exception e) when (!(e is OperationCanceledException))
                    {
                        var error = e as SentinelException ?? ConnectionErrors.Failed(hops[i].ComputerName, hops[i].Port, $"could not forward a local port to {hops[i + 1].HostName}:{hops[i + 1].Port}: {e.Message}", e);
                        return new ConnectAttempt(settings) { Error = ThroughJumpHost(hops[i], settings, error), Elapsed = hop.Elapsed };
                    }
                }

                var attempt = await ConnectOneAsync(settings, via, log, cancellationToken).ConfigureAwait(false);
                if (attempt.Connection != null)
                {
                    attempt.Connection = new ChainedConnection(attempt.Connection, opened);
                    handedOver = true;
                }

                return KeptUnlessStopped(attempt, cancellationToken);
            }
            finally
            {
                if (!handedOver)
                {
                    Close(opened);
                }
            }
        }

        /// <summary>A connection that completed as the user stopped is closed here, not handed to a caller that stopped listening.</summary>
        private static ConnectAttempt KeptUnlessStopped(ConnectAttempt attempt, CancellationToken cancellationToken)
        {
            if (attempt.Connection != null && cancellationToken.IsCancellationRequested)
            {
                attempt.Connection.Dispose();
                attempt.Connection = null;
                cancellationToken.ThrowIfCancellationRequested();
            }

            return attempt;
        }

        /// <summary>
        /// A hop's failure, reported for the target with the hop named. A hop that cannot authenticate
        /// (nothing to offer, or refused) is AuthenticationFailed naming the hop and what it was offered,
        /// since it never gets the target's password or keys.
        /// </summary>
        private static SentinelException ThroughJumpHost(ConnectionSettings hop, ConnectionSettings target, SentinelException error)
        {
            if (error.ErrorId == ErrorIds.NoCredential || error.ErrorId == ErrorIds.AuthenticationFailed)
            {
                error = ConnectionErrors.JumpHostAuthenticationFailed(hop.ComputerName, hop.UserName, error);
            }

            return new SentinelException(error.ErrorId, error.Category, target.ComputerName, $"Through jump host {hop.ComputerName} to {target.ComputerName}: {error.Message}", error.RecommendedAction, error);
        }

        private static void Close(List<IDisposable> opened)
        {
            for (var i = opened.Count - 1; i >= 0; i--)
            {
                opened[i].Dispose();
            }
        }

        /// <param name="viaLocalPort">A local forward to dial instead of the host itself (the previous hop's).</param>
        private async Task<ConnectAttempt> ConnectOneAsync(ConnectionSettings settings, int? viaLocalPort, Action<string> log, CancellationToken cancellationToken)
        {
            var attempt = new ConnectAttempt(settings);
            var clock = Stopwatch.StartNew();
            AgentClient? agent = null;
            try
            {
                SentinelException? agentFailure = null;
                agent = OpenAgent(settings, log, ref agentFailure);
                var request = Prepare(settings, agent, agentFailure, attempt, log, clock);
                attempt.Connection = await DialAsync(settings, request, viaLocalPort, attempt, log, cancellationToken).ConfigureAwait(false);
                attempt.Authenticated = request.Authenticated;
                log($"Authenticated as '{settings.UserName}' with {Describe(attempt.Authenticated)} (offered {attempt.Offered}); connected in {clock.ElapsedMilliseconds} ms.");
            }
            catch (SentinelException e)
            {
                attempt.Error = attempt.Verifier?.Rejection() ?? e;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                // Whatever else goes wrong (a bug, an unreadable file) is this host's failure, not the fan-out's.
                attempt.Error = attempt.Verifier?.Rejection() ?? ConnectionErrors.Failed(settings.ComputerName, settings.Port, e.Message, e);
            }
            finally
            {
                // The agent signs only while authenticating; the connection never needs it again.
                agent?.Dispose();
                attempt.Elapsed = clock.Elapsed;
            }

            // ssh records an accepted key once the handshake is done, even when authentication then fails.
            if (attempt.Verifier?.Verdict == HostKeyVerdict.AcceptedNew)
            {
                try
                {
                    attempt.Verifier.RecordIfNew();
                    log($"Recorded the new host key of {attempt.Verifier.LookupName} in '{attempt.Verifier.KnownHostsPath}'.");
                }
                catch (Exception e)
                {
                    attempt.Connection?.Dispose();
                    attempt.Connection = null;
                    if (e is OperationCanceledException)
                    {
                        throw;
                    }

                    attempt.Error ??= e as SentinelException ?? ConnectionErrors.Failed(settings.ComputerName, settings.Port, e.Message, e);
                }
            }

            return attempt;
        }

        /// <summary>
        /// The session's connection, ready for a command: reconnected once when the keepalive or the
        /// socket found it broken, unless <paramref name="allowReconnect"/> is false. A reconnect must
        /// meet the same host key the session was opened with.
        /// </summary>
        public async Task<LiveConnection> UsableConnectionAsync(SentinelSession session, bool allowReconnect, Action<string> log, CancellationToken cancellationToken)
        {
            var current = session.Connection ?? throw SessionErrors.Closed(session);
            if (current.IsAlive || session.Live.OneChannelPerConnection)
            {
                // A server that closes the connection after each channel is not broken: each channel connects afresh.
                return current;
            }

            if (!current.Lost.IsCompleted && current.ClosedAfterItsChannels && session.Live.NoteClosedAfterOneChannel(current))
            {
                return current;
            }

            var reason = current.Lost.IsCompleted ? current.Lost.Result : "the connection closed";
            if (!allowReconnect)
            {
                throw SessionErrors.Broken(session, reason);
            }

            log($"Session {session.Id} to {session.ComputerName} is broken ({reason}); reconnecting once.");
            var replacement = await SameHostConnectionAsync(session, log, cancellationToken).ConfigureAwait(false);
            if (!session.Replace(replacement))
            {
                replacement.Dispose();
                throw SessionErrors.Closed(session);
            }

            return replacement;
        }

        /// <summary>
        /// A connection of the caller's own, beside the session's, for one channel that could not open on
        /// the session's connection because the server closed it after its channel (tinysshd): it must
        /// show the host key the session met, as a reconnect must. The switch to one connection per
        /// channel is said once in the verbose output.
        /// </summary>
        public async Task<LiveConnection> FreshConnectionAsync(SentinelSession session, Action<string> log, CancellationToken cancellationToken)
        {
            if (session.Live.OneChannelPerConnection && session.Live.AnnounceOneChannelPerConnection())
            {
                log($"{session.ComputerName} closes the connection after one channel: session {session.Id} opens a fresh connection, with the same host key, for each command and file transfer.");
            }

            return await SameHostConnectionAsync(session, log, cancellationToken).ConfigureAwait(false);
        }

        private async Task<LiveConnection> SameHostConnectionAsync(SentinelSession session, Action<string> log, CancellationToken cancellationToken)
        {
            var attempt = await ConnectAsync(session.Settings, log, cancellationToken).ConfigureAwait(false);
            var connection = attempt.Succeeded();
            if (session.Settings.HostKeyPolicy != HostKeyPolicy.Ignore && attempt.Verifier!.OfferedFingerprint != session.HostKeyFingerprint)
            {
                connection.Dispose();
                throw SessionErrors.HostKeyChangedOnReconnect(session, attempt.Verifier.OfferedFingerprint!);
            }

            return new LiveConnection(connection, session.Settings.KeepAlive);
        }

        /// <summary>
        /// The agent to ask, or null when none is configured or it cannot be reached. An unreachable
        /// agent is not an error yet (ssh too goes on with its key files): <paramref name="failure"/>
        /// becomes the error when nothing else is left to offer.
        /// </summary>
        private static AgentClient? OpenAgent(ConnectionSettings settings, Action<string> log, ref SentinelException? failure)
        {
            if (settings.AgentPath == null)
            {
                return null;
            }

            try
            {
                return new AgentClient(AgentSocket.Open(settings.AgentPath, settings.ConnectTimeout), settings.AgentPath, settings.ConnectTimeout);
            }
            catch (AgentException e)
            {
                log($"The ssh-agent at '{settings.AgentPath}' cannot be reached: {e.Message}");
                failure = AgentErrors.Unavailable(settings.ComputerName, settings.AgentPath, e.Message, e);
                return null;
            }
        }

        private SshConnectRequest Prepare(ConnectionSettings settings, AgentClient? agent, SentinelException? agentFailure, ConnectAttempt attempt, Action<string> log, Stopwatch clock)
        {
            var agentKeys = AgentKeys(settings, agent, log, ref agentFailure);
            var keys = LoadKeys(settings, agentKeys.Select(k => k.Identity.Blob).ToList(), log);
            if (agentKeys.Count == 0 && keys.Count == 0 && settings.Password == null)
            {
                throw agentFailure
                    ?? (agent != null ? AgentErrors.NoIdentities(settings.ComputerName, settings.UserName, agent.Location) : ConnectionErrors.NoCredential(settings.ComputerName, settings.UserName));
            }

            attempt.Offered = string.Join(", ", agentKeys.Select(k => $"agent {k.Identity.Description}")
                .Concat(agentFailure != null ? new[] { $"no agent keys: the agent at '{settings.AgentPath}' failed" } : Array.Empty<string>())
                .Concat(keys.Select(UserCertificates.Offered))
                .Concat(settings.Password != null ? PasswordMethod : Array.Empty<string>()));

            var knownHosts = KnownHostsFile.Load(settings.KnownHostsFile, settings.ComputerName);
            var verifier = new HostKeyVerifier(settings.HostName, settings.Port, settings.HostKeyPolicy, knownHosts);
            attempt.Verifier = verifier;

            var request = new SshConnectRequest(settings.ComputerName, address: string.Empty, settings.Port, settings.UserName, settings.ConnectTimeout, offer =>
            {
                var trusted = verifier.Verify(offer);
                attempt.HandshakeTime ??= clock.Elapsed;
                attempt.Handshake?.KeyExchanged();
                return trusted;
            })
            {
                ServerAnswered = version => attempt.Handshake?.ServerAnswered(KeyboardInteractivePrompt.Printable(version)),
                SessionTimeout = settings.ConnectTimeout,
                Password = settings.Password,
                KeyExchanges = settings.KeyExchanges,
                Ciphers = settings.Ciphers,
                KnownHostKeyTypes = verifier.KnownKeyTypes,
                ExpectHostCertificate = verifier.ExpectsCertificate,
                HostKeyPresented = verifier.Presented,
                Log = log,
            };
            foreach (var key in agentKeys)
            {
                request.AgentKeys.Add(key);
            }

            foreach (var key in keys)
            {
                request.Keys.Add(key);
            }

            return request;
        }

        /// <summary>
        /// The agent's identities to offer, as ssh offers them: all of them, or under IdentitiesOnly
        /// only those whose public key is a key file's (read from its .pub beside it, so an encrypted
        /// key the agent holds needs no passphrase). An agent that fails to list them with key files
        /// or a password left to try is logged and skipped; with nothing else it is the error.
        /// </summary>
        private static List<AgentKey> AgentKeys(ConnectionSettings settings, AgentClient? agent, Action<string> log, ref SentinelException? failure)
        {
            if (agent == null)
            {
                return new List<AgentKey>();
            }

            IReadOnlyList<AgentIdentity> identities;
            try
            {
                identities = agent.ListIdentities();
            }
            catch (AgentException e)
            {
                log($"The ssh-agent at '{agent.Location}' failed to list its identities: {e.Message}");
                failure = AgentErrors.Unavailable(settings.ComputerName, agent.Location, e.Message, e);
                return new List<AgentKey>();
            }

            var offered = identities.AsEnumerable();
            if (settings.IdentitiesOnly)
            {
                var named = settings.KeyFiles.Concat(settings.UseDefaultKeys ? ConnectionSettings.DefaultKeyFiles : Array.Empty<string>())
                    .Select(PublicKeyFile.TryRead)
                    .Where(blob => blob != null)
                    .ToList();
                offered = identities.Where(i => named.Any(blob => blob!.SequenceEqual(i.Blob)));
            }

            var now = DateTime.UtcNow;
            var keys = offered.Where(i => UserCertificates.UsableFromAgent(i, now, log)).Select(i => new AgentKey(i, agent, settings.ComputerName)).ToList();
            log(identities.Count == 0
                ? $"The ssh-agent at '{agent.Location}' holds no identities."
                : $"The ssh-agent at '{agent.Location}' holds {identities.Count} identities; offering {(keys.Count == 0 ? "none of them" : string.Join(", ", keys.Select(k => k.Identity.Description)))}{(settings.IdentitiesOnly ? " (IdentitiesOnly: those of the key files)" : string.Empty)}.");
            return keys;
        }

        /// <summary>The key files to offer after the agent's identities; a key the agent already offers is not loaded again.</summary>
        private List<IPrivateKey> LoadKeys(ConnectionSettings settings, IReadOnlyList<byte[]> agentBlobs, Action<string> log)
        {
            bool InAgent(string path)
            {
                var blob = PublicKeyFile.TryRead(path);
                if (blob == null || !agentBlobs.Any(b => b.SequenceEqual(blob)))
                {
                    return false;
                }

                log($"Identity '{path}' is offered through the ssh-agent.");
                return true;
            }

            var certificates = UserCertificates.Load(settings.CertificateFiles, settings.ComputerName);
            var now = DateTime.UtcNow;
            IPrivateKey Certified(IPrivateKey key, bool named) => settings.UseCertificates ? UserCertificates.Attach(key, certificates, named, settings.ComputerName, now, log) : key;
            var keys = settings.KeyFiles.Where(path => !InAgent(path))
                .Select(path => Certified(_transport.LoadPrivateKey(path, settings.KeyPassphrase, settings.ComputerName), named: true))
                .ToList();
            if (settings.UseDefaultKeys)
            {
                foreach (var path in ConnectionSettings.DefaultKeyFiles.Where(File.Exists).Where(path => !InAgent(path)))
                {
                    try
                    {
                        keys.Add(Certified(_transport.LoadPrivateKey(path, settings.KeyPassphrase, settings.ComputerName), named: false));
                        log($"Offering default identity '{path}'.");
                    }
                    catch (SentinelException e)
                    {
                        // A default identity that cannot be used is skipped, as ssh skips it.
                        log($"Skipping default identity '{path}': {e.Message}");
                    }
                }
            }

            UserCertificates.RequirePaired(certificates, keys, agentBlobs, settings.ComputerName, log);
            return keys;
        }

        /// <summary>
        /// Dials each address in turn, within one handshake clock: the handshake waits for its place
        /// among this cmdlet's handshakes at once first, and that wait does not count (see
        /// <see cref="HandshakePacer"/> and <see cref="HandshakeClock"/>).
        /// </summary>
        private async Task<ISshConnection> DialAsync(ConnectionSettings settings, SshConnectRequest template, int? viaLocalPort, ConnectAttempt attempt, Action<string> log, CancellationToken cancellationToken)
        {
            var addresses = viaLocalPort.HasValue ? new[] { IPAddress.Loopback } : await ResolveAsync(settings, cancellationToken).ConfigureAwait(false);
            var queued = _clock.UtcNow;
            using (var slot = Pacer == null ? null : await Pacer.EnterAsync(cancellationToken).ConfigureAwait(false))
            using (var handshake = new HandshakeClock(settings.ConnectTimeout, _clock.UtcNow - queued, slot, Pacer?.ParkAfter ?? settings.ConnectTimeout, _load, _clock))
            {
                attempt.Handshake = handshake;
                SentinelException? last = null;
                foreach (var address in addresses)
                {
                    var dialPort = viaLocalPort ?? settings.Port;
                    log($"Connecting to {settings.ComputerName} ({address}) port {dialPort}{(viaLocalPort.HasValue ? " (forwarded by the jump host)" : string.Empty)}, timeout {settings.ConnectTimeout.TotalSeconds:0.#} s of the host's time{(handshake.Waited >= TimeSpan.FromMilliseconds(100) ? $" (after {handshake.Waited.TotalSeconds:0.#} s waiting for its turn among the handshakes at once)" : string.Empty)}.");
                    var request = template.To(address.ToString(), dialPort, handshake.HardLimit);
                    try
                    {
                        var connection = await ConnectWatchedAsync(settings, request, handshake, slot, cancellationToken).ConfigureAwait(false);
                        slot?.Completed(handshake.Elapsed);
                        try
                        {
                            log(attempt.Verifier!.Describe());
                            log($"Server {connection.ServerVersion}; {connection.Algorithms}.");
                            return connection;
                        }
                        catch
                        {
                            connection.Dispose();
                            throw;
                        }
                    }
                    catch (SentinelException e) when (e.ErrorId == ErrorIds.ConnectionRefused && attempt.HandshakeTime == null)
                    {
                        // localhost may resolve to ::1 and 127.0.0.1 while sshd listens on one: try the next.
                        log($"{address} refused the connection.");
                        last = e;
                    }
                }

                throw last ?? ConnectionErrors.UnknownHost(settings.ComputerName);
            }
        }

        /// <summary>One address's handshake, ended by the handshake clock when the host's time is up.</summary>
        private async Task<ISshConnection> ConnectWatchedAsync(ConnectionSettings settings, SshConnectRequest request, HandshakeClock handshake, HandshakeSlot? slot, CancellationToken cancellationToken)
        {
            using (var expire = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            using (var stopWatching = new CancellationTokenSource())
            {
                var watchdog = handshake.WatchAsync(expire, stopWatching.Token);
                try
                {
                    return await _transport.ConnectAsync(request, expire.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (handshake.Expired && !cancellationToken.IsCancellationRequested)
                {
                    if (handshake.Answered)
                    {
                        slot?.TimedOutAfterAnswer();
                    }

                    throw ConnectionErrors.HandshakeTimeout(settings.ComputerName, settings.Port, settings.ConnectTimeout, handshake.Describe());
                }
                finally
                {
                    stopWatching.Cancel();
                    await watchdog.ConfigureAwait(false);
                }
            }
        }

        private static string Describe(UserAuthentication? authentication) => authentication == null
            ? "an unrecorded method"
            : authentication.Method switch
            {
                _ when authentication.Certificate != null => $"{(authentication.Method == UserAuthenticationMethod.AgentKey ? "agent " : string.Empty)}certificate {authentication.Certificate.Type} {Fingerprint.Sha256(authentication.KeyBlob!)} ({UserCertificates.Describe(authentication.Certificate)}) ('{authentication.KeySource}')",
                UserAuthenticationMethod.Key => $"key {SshKeyBlob.KeyType(authentication.KeyBlob)} {Fingerprint.Sha256(authentication.KeyBlob!)} ('{authentication.KeySource}')",
                UserAuthenticationMethod.AgentKey => $"agent key {SshKeyBlob.KeyType(authentication.KeyBlob)} {Fingerprint.Sha256(authentication.KeyBlob!)}",
                UserAuthenticationMethod.KeyboardInteractive => "the password, answering keyboard-interactive prompts",
                _ => "the password",
            };

        public static async Task<IPAddress[]> ResolveAsync(ConnectionSettings settings, CancellationToken cancellationToken)
        {
            if (IPAddress.TryParse(settings.HostName.Trim('[', ']'), out var literal))
            {
                return new[] { literal };
            }

            var lookup = Dns.GetHostAddressesAsync(settings.HostName);
            var finished = await Task.WhenAny(lookup, Task.Delay(settings.ConnectTimeout, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (finished != lookup)
            {
                throw ConnectionErrors.Timeout(settings.ComputerName, settings.Port, settings.ConnectTimeout);
            }

            try
            {
                var addresses = await lookup.ConfigureAwait(false);
                if (addresses.Length == 0)
                {
                    throw ConnectionErrors.UnknownHost(settings.ComputerName);
                }

                return addresses;
            }
            catch (SocketException e)
            {
                throw ConnectionErrors.UnknownHost(settings.ComputerName, e);
            }
        }
    }
}
