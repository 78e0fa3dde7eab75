using System;
using System.Collections.Generic;
using System.Reflection;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Messages;
using Renci.SshNet.Messages.Connection;
using Renci.SshNet.Messages.Transport;
using Renci.SshNet.Security;

namespace Sentinel.Ssh
{
    /// <summary>
    /// Every SSH.NET member the adapter reaches by reflection, in one place, resolved once when the
    /// adapter first uses SSH.NET; against SSH.NET 2026.0.1, the version pinned in
    /// Directory.Packages.props. A member that does not resolve is null here and named in
    /// <see cref="Missing"/>; SshNetInternalsTests fails on any such name, so an SSH.NET upgrade that
    /// renames one fails the unit tests, not the field. At run time a missing member never weakens
    /// safety quietly: what guards safety fails (the keepalive reports the server not alive, SFTP
    /// opening and the link-safe rename throw), and what only costs speed falls back and is named in
    /// <see cref="DegradedReasons"/>, written once to the verbose stream of a connect.
    /// </summary>
    internal static class SshNetInternals
    {
        private const BindingFlags Instance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;

        private static readonly Assembly SshNet = typeof(SshClient).Assembly;

        private static readonly List<string> MissingNames = new List<string>();

        // ---- The connection's session: keepalive and SFTP on the same connection ----

        /// <summary>
        /// BaseClient.Session (getter and private setter). The keepalive sends on it; SFTP borrows it so it
        /// runs on the authenticated connection. Without it: no keepalive (every ping reports not alive)
        /// and no SFTP (opening throws).
        /// </summary>
        public static readonly PropertyInfo? ClientSession = Resolve(
            "BaseClient.Session { get; set; }",
            () => typeof(BaseClient).GetProperty("Session", Instance),
            p => p.GetGetMethod(true) != null && p.GetSetMethod(true) != null);

        /// <summary>
        /// ISession, SSH.NET's internal session interface: SendMessage and the global-request reply events
        /// live on it. SSH.NET's KeepAliveInterval sends SSH_MSG_IGNORE, which no server answers, so this is
        /// the only way to ask the server. Without any of these four: every ping reports not alive.
        /// </summary>
        private static readonly Type? SessionInterface = Resolve("Renci.SshNet.ISession", () => SshNet.GetType("Renci.SshNet.ISession"));

        /// <summary>ISession.SendMessage(Message): sends the keepalive request.</summary>
        public static readonly MethodInfo? SessionSendMessage = Resolve(
            "ISession.SendMessage(Message)", () => SessionInterface?.GetMethod("SendMessage", new[] { typeof(Message) }));

        /// <summary>ISession.RequestFailureReceived: OpenSSH answers keepalive@openssh.com with REQUEST_FAILURE.</summary>
        public static readonly EventInfo? SessionRequestFailure = Resolve(
            "ISession.RequestFailureReceived", () => SessionInterface?.GetEvent("RequestFailureReceived"),
            e => e.EventHandlerType == typeof(EventHandler<MessageEventArgs<RequestFailureMessage>>));

        /// <summary>ISession.RequestSuccessReceived: a server may answer the keepalive with REQUEST_SUCCESS.</summary>
        public static readonly EventInfo? SessionRequestSuccess = Resolve(
            "ISession.RequestSuccessReceived", () => SessionInterface?.GetEvent("RequestSuccessReceived"),
            e => e.EventHandlerType == typeof(EventHandler<MessageEventArgs<RequestSuccessMessage>>));

        /// <summary>GlobalRequestMessage(byte[] name, bool wantReply): its public constructors cannot ask for a reply.</summary>
        public static readonly ConstructorInfo? GlobalRequest = Resolve(
            "GlobalRequestMessage(byte[], bool)", () => typeof(GlobalRequestMessage).GetConstructor(Instance, null, new[] { typeof(byte[]), typeof(bool) }, null));

        // ---- An exec command's channel ----

        /// <summary>
        /// SSH.NET's Channel class and SshCommand._channel: the running command's channel, for the data
        /// events, the window refill and the immediate signal below. Without them all three degrade.
        /// </summary>
        public static readonly Type? ChannelType = Resolve("Renci.SshNet.Channels.Channel", () => SshNet.GetType("Renci.SshNet.Channels.Channel"));

        /// <summary>SshCommand._channel.</summary>
        public static readonly FieldInfo? CommandChannelField = Resolve("SshCommand._channel", () => typeof(SshCommand).GetField("_channel", Instance));

        /// <summary>
        /// Channel.DataReceived and ExtendedDataReceived: a command's output is read without a thread
        /// blocked per stream, and the window refill hooks them. Without them: a thread per stream, no refill.
        /// </summary>
        public static readonly EventInfo? ChannelDataReceived = Resolve(
            "Channel.DataReceived", () => ChannelType?.GetEvent("DataReceived", Instance), e => e.EventHandlerType != null);

        /// <summary>Channel.ExtendedDataReceived (stderr); see <see cref="ChannelDataReceived"/>.</summary>
        public static readonly EventInfo? ChannelExtendedDataReceived = Resolve(
            "Channel.ExtendedDataReceived", () => ChannelType?.GetEvent("ExtendedDataReceived", Instance), e => e.EventHandlerType != null);

        /// <summary>
        /// Channel._initialWindowSize, LocalWindowSize (with its setter), RemoteChannelNumber and
        /// SendMessage(Message): the receive-window refill. SSH.NET adjusts its 2 GiB window only when nearly
        /// all is used; Dropbear caps a window at 500,000,000 bytes and waits for an adjust that never comes
        /// (SSH.NET issue 1671). Without them: a command printing over 500 MB to Dropbear hangs.
        /// </summary>
        public static readonly FieldInfo? ChannelInitialWindow = Resolve(
            "Channel._initialWindowSize", () => ChannelType?.GetField("_initialWindowSize", Instance), f => f.FieldType == typeof(uint));

        /// <summary>Channel.LocalWindowSize { get; set; }; see <see cref="ChannelInitialWindow"/>.</summary>
        public static readonly PropertyInfo? ChannelLocalWindow = Resolve(
            "Channel.LocalWindowSize { get; set; }", () => ChannelType?.GetProperty("LocalWindowSize", Instance),
            p => p.PropertyType == typeof(uint) && p.GetSetMethod(true) != null);

        /// <summary>Channel.RemoteChannelNumber; see <see cref="ChannelInitialWindow"/>.</summary>
        public static readonly PropertyInfo? ChannelRemoteNumber = Resolve(
            "Channel.RemoteChannelNumber", () => ChannelType?.GetProperty("RemoteChannelNumber", Instance), p => p.PropertyType == typeof(uint));

        /// <summary>Channel.SendMessage(Message); see <see cref="ChannelInitialWindow"/>.</summary>
        public static readonly MethodInfo? ChannelSendMessage = Resolve(
            "Channel.SendMessage(Message)", () => ChannelType?.GetMethod("SendMessage", Instance, null, new[] { typeof(Message) }, null));

        /// <summary>
        /// The command channel's SendSignalRequest(string): signals a command without waiting. SSH.NET's
        /// CancelAsync also waits for the exit on the caller's thread. Without it: a stop waits up to
        /// SSH.NET's channel-close timeout.
        /// </summary>
        public static readonly MethodInfo? ChannelSendSignal = Resolve(
            "IChannelSession.SendSignalRequest(string)", () => CommandChannelField?.FieldType.GetMethod("SendSignalRequest", new[] { typeof(string) }),
            m => m.ReturnType == typeof(bool));

        // ---- SFTP ----

        /// <summary>
        /// SftpClient._sftpSession and ISftpSession.RequestPosixRename(string, string): a rename that sends
        /// the names as given. SftpClient.RenameFile first resolves realpath, which follows a link planted at
        /// the new name. Without them: Replace throws (never renames through a link).
        /// </summary>
        public static readonly FieldInfo? SftpSession = Resolve("SftpClient._sftpSession", () => typeof(SftpClient).GetField("_sftpSession", Instance));

        /// <summary>ISftpSession.RequestPosixRename(string, string); see <see cref="SftpSession"/>.</summary>
        public static readonly MethodInfo? SftpPosixRename = Resolve(
            "ISftpSession.RequestPosixRename(string, string)", () => SftpSession?.FieldType.GetMethod("RequestPosixRename", new[] { typeof(string), typeof(string) }));

        // ---- SFTP requests sent without waiting (many files' requests in flight on the one channel) ----

        /// <summary>
        /// SSH.NET's SftpSession class: its request ids, protocol version, encoding, the extensions the server
        /// named, and SendRequest(SftpRequest), which registers a request's answer callback and sends it. SSH.NET
        /// waits on a handle for setstat, fsetstat and posix-rename; these let the adapter send them and await
        /// the answer, so small files' steps run side by side. Without any SFTP member here: one file at a time.
        /// </summary>
        private static readonly Type? SftpSessionType = Resolve("Renci.SshNet.Sftp.SftpSession", () => SshNet.GetType("Renci.SshNet.Sftp.SftpSession"));

        /// <summary>SftpSession.NextRequestId; see <see cref="SftpSessionType"/>.</summary>
        public static readonly PropertyInfo? SftpNextRequestId = Resolve(
            "SftpSession.NextRequestId", () => SftpSessionType?.GetProperty("NextRequestId", Instance), p => p.PropertyType == typeof(uint));

        /// <summary>SftpSession.ProtocolVersion; see <see cref="SftpSessionType"/>.</summary>
        public static readonly PropertyInfo? SftpProtocolVersion = Resolve(
            "SftpSession.ProtocolVersion", () => SftpSessionType?.GetProperty("ProtocolVersion", Instance), p => p.PropertyType == typeof(uint));

        /// <summary>SftpSession._encoding; see <see cref="SftpSessionType"/>.</summary>
        public static readonly FieldInfo? SftpEncoding = Resolve(
            "SftpSession._encoding", () => SftpSessionType?.GetField("_encoding", Instance), f => f.FieldType == typeof(System.Text.Encoding));

        /// <summary>SftpSession._supportedExtensions: posix-rename is sent only to a server that named it, as SSH.NET does.</summary>
        public static readonly FieldInfo? SftpExtensions = Resolve(
            "SftpSession._supportedExtensions", () => SftpSessionType?.GetField("_supportedExtensions", Instance), f => typeof(IDictionary<string, string>).IsAssignableFrom(f.FieldType));

        /// <summary>SftpSession.SendRequest(SftpRequest); see <see cref="SftpSessionType"/>.</summary>
        public static readonly MethodInfo? SftpSendRequest = Resolve(
            "SftpSession.SendRequest(SftpRequest)", () => SftpSessionType?.GetMethod("SendRequest", Instance, null, new[] { SshNet.GetType("Renci.SshNet.Sftp.Requests.SftpRequest") ?? typeof(void) }, null));

        /// <summary>SftpStatusResponse, the answer setstat, fsetstat, posix-rename, write and close get.</summary>
        public static readonly Type? SftpStatusResponse = Resolve("Renci.SshNet.Sftp.Responses.SftpStatusResponse", () => SshNet.GetType("Renci.SshNet.Sftp.Responses.SftpStatusResponse"));

        /// <summary>static SftpSession.GetSftpException(SftpStatusResponse, string): null for success, else SSH.NET's own exception for the status.</summary>
        public static readonly MethodInfo? SftpStatusException = Resolve(
            "SftpSession.GetSftpException(SftpStatusResponse, string)",
            () => SftpStatusResponse == null ? null : SftpSessionType?.GetMethod("GetSftpException", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static, null, new[] { SftpStatusResponse, typeof(string) }, null));

        /// <summary>SftpSetStatRequest(uint, uint, string, Encoding, SftpFileAttributes, Action&lt;SftpStatusResponse&gt;).</summary>
        public static readonly ConstructorInfo? SftpSetStatRequest = Resolve(
            "SftpSetStatRequest(uint, uint, string, Encoding, SftpFileAttributes, Action<SftpStatusResponse>)",
            () => StatusRequestConstructor("Renci.SshNet.Sftp.Requests.SftpSetStatRequest", typeof(uint), typeof(uint), typeof(string), typeof(System.Text.Encoding), typeof(Renci.SshNet.Sftp.SftpFileAttributes)));

        /// <summary>SftpFSetStatRequest(uint, uint, byte[], SftpFileAttributes, Action&lt;SftpStatusResponse&gt;).</summary>
        public static readonly ConstructorInfo? SftpFSetStatRequest = Resolve(
            "SftpFSetStatRequest(uint, uint, byte[], SftpFileAttributes, Action<SftpStatusResponse>)",
            () => StatusRequestConstructor("Renci.SshNet.Sftp.Requests.SftpFSetStatRequest", typeof(uint), typeof(uint), typeof(byte[]), typeof(Renci.SshNet.Sftp.SftpFileAttributes)));

        /// <summary>PosixRenameRequest(uint, uint, string, string, Encoding, Action&lt;SftpStatusResponse&gt;).</summary>
        public static readonly ConstructorInfo? SftpPosixRenameRequest = Resolve(
            "PosixRenameRequest(uint, uint, string, string, Encoding, Action<SftpStatusResponse>)",
            () => StatusRequestConstructor("Renci.SshNet.Sftp.Requests.PosixRenameRequest", typeof(uint), typeof(uint), typeof(string), typeof(string), typeof(System.Text.Encoding)));

        /// <summary>SftpFileAttributes(DateTime, DateTime, long, int, int, uint, Dictionary&lt;string, string&gt;): attributes that send only what is changed on them.</summary>
        public static readonly ConstructorInfo? SftpAttributes = Resolve(
            "SftpFileAttributes(DateTime, DateTime, long, int, int, uint, Dictionary<string, string>)",
            () => typeof(Renci.SshNet.Sftp.SftpFileAttributes).GetConstructor(Instance, null, new[] { typeof(DateTime), typeof(DateTime), typeof(long), typeof(int), typeof(int), typeof(uint), typeof(Dictionary<string, string>) }, null));

        /// <summary>ISftpSession.RequestOpenAsync(string, Flags, CancellationToken): open without SSH.NET's realpath first.</summary>
        public static readonly MethodInfo? SftpOpenAsync = Resolve(
            "ISftpSession.RequestOpenAsync(string, Flags, CancellationToken)",
            () => SftpSession?.FieldType.GetMethod("RequestOpenAsync"),
            m => m.ReturnType == typeof(System.Threading.Tasks.Task<byte[]>) && m.GetParameters().Length == 3 && m.GetParameters()[1].ParameterType.IsEnum);

        /// <summary>ISftpSession.RequestWriteAsync(byte[], ulong, byte[], int, int, CancellationToken).</summary>
        public static readonly MethodInfo? SftpWriteAsync = Resolve(
            "ISftpSession.RequestWriteAsync(byte[], ulong, byte[], int, int, CancellationToken)",
            () => SftpSession?.FieldType.GetMethod("RequestWriteAsync", new[] { typeof(byte[]), typeof(ulong), typeof(byte[]), typeof(int), typeof(int), typeof(CancellationToken) }),
            m => m.ReturnType == typeof(System.Threading.Tasks.Task));

        /// <summary>ISftpSession.RequestCloseAsync(byte[], CancellationToken).</summary>
        public static readonly MethodInfo? SftpCloseAsync = Resolve(
            "ISftpSession.RequestCloseAsync(byte[], CancellationToken)",
            () => SftpSession?.FieldType.GetMethod("RequestCloseAsync", new[] { typeof(byte[]), typeof(CancellationToken) }),
            m => m.ReturnType == typeof(System.Threading.Tasks.Task));

        // ---- sntrup761x25519 key exchange ----

        /// <summary>
        /// KeyExchangeEcdhInitMessage(byte[]), Session.KeyExchangeEcdhReplyMessageReceived and
        /// KeyExchange.ValidateExchangeHash(byte[], byte[]): Sentinel's sntrup761x25519, about 50 ms of client
        /// CPU cheaper per connection than BouncyCastle's. Without them: SSH.NET's own (slower) exchange.
        /// </summary>
        public static readonly ConstructorInfo? EcdhInitMessage = Resolve(
            "KeyExchangeEcdhInitMessage(byte[])",
            () => SshNet.GetType("Renci.SshNet.Messages.Transport.KeyExchangeEcdhInitMessage")?.GetConstructor(Instance, null, new[] { typeof(byte[]) }, null),
            c => typeof(Message).IsAssignableFrom(c.DeclaringType));

        /// <summary>Session.KeyExchangeEcdhReplyMessageReceived; see <see cref="EcdhInitMessage"/>.</summary>
        public static readonly EventInfo? EcdhReplyReceived = Resolve(
            "Session.KeyExchangeEcdhReplyMessageReceived", () => typeof(Session).GetEvent("KeyExchangeEcdhReplyMessageReceived", Instance),
            e => e.EventHandlerType == typeof(EventHandler<MessageEventArgs<KeyExchangeEcdhReplyMessage>>) && e.GetAddMethod(true) != null && e.GetRemoveMethod(true) != null);

        /// <summary>KeyExchange.ValidateExchangeHash(byte[], byte[]): the host-key signature check; see <see cref="EcdhInitMessage"/>.</summary>
        public static readonly MethodInfo? ValidateExchangeHash = Resolve(
            "KeyExchange.ValidateExchangeHash(byte[], byte[])",
            () => typeof(KeyExchange).GetMethod("ValidateExchangeHash", Instance, null, new[] { typeof(byte[]), typeof(byte[]) }, null),
            m => m.ReturnType == typeof(bool));

        // ---- Key files ----

        /// <summary>
        /// BCrypt and BCrypt.Pbkdf(byte[], byte[], int, byte[]): bcrypt_pbkdf for writing encrypted OpenSSH
        /// key files. Without them: writing an encrypted key throws.
        /// </summary>
        public static readonly Type? BCrypt = Resolve("Renci.SshNet.Security.Cryptography.BCrypt", () => SshNet.GetType("Renci.SshNet.Security.Cryptography.BCrypt"));

        /// <summary>BCrypt.Pbkdf(byte[], byte[], int, byte[]); see <see cref="BCrypt"/>.</summary>
        public static readonly MethodInfo? BCryptPbkdf = Resolve(
            "BCrypt.Pbkdf(byte[], byte[], int, byte[])",
            () => BCrypt?.GetMethod("Pbkdf", Instance, null, new[] { typeof(byte[]), typeof(byte[]), typeof(int), typeof(byte[]) }, null));

        // ---- What is usable ----

        /// <summary>The keepalive can ask the server (else every ping reports not alive).</summary>
        public static readonly bool CanPing = ClientSession != null && SessionSendMessage != null && SessionRequestFailure != null && SessionRequestSuccess != null && GlobalRequest != null;

        /// <summary>The command channel's data events can be observed.</summary>
        public static readonly bool CanObserveData = CommandChannelField != null && ChannelType != null && ChannelDataReceived != null && ChannelExtendedDataReceived != null;

        /// <summary>The receive window can be refilled.</summary>
        public static readonly bool CanRefillWindow = CanObserveData && ChannelInitialWindow != null && ChannelLocalWindow != null && ChannelRemoteNumber != null && ChannelSendMessage != null;

        /// <summary>Sentinel's sntrup761x25519 can replace SSH.NET's.</summary>
        public static readonly bool CanExchangeSntrup = EcdhInitMessage != null && EcdhReplyReceived != null && ValidateExchangeHash != null;

        /// <summary>Setstat, fsetstat, posix-rename, open, write and close can be sent without waiting, so many files' steps share the channel.</summary>
        public static readonly bool CanPipelineSftp = SftpSession != null && SftpNextRequestId != null && SftpProtocolVersion != null && SftpEncoding != null
            && SftpExtensions != null && SftpSendRequest != null && SftpStatusResponse != null && SftpStatusException != null && SftpSetStatRequest != null
            && SftpFSetStatRequest != null && SftpPosixRenameRequest != null && SftpAttributes != null && SftpOpenAsync != null && SftpWriteAsync != null && SftpCloseAsync != null;

        /// <summary>The members named above that did not resolve in this SSH.NET build; empty with the shipped one.</summary>
        public static IReadOnlyList<string> Missing => MissingNames;

        /// <summary>What fails or runs worse than it should because of <see cref="Missing"/> members (beyond the calls that throw); empty with the shipped SSH.NET.</summary>
        public static readonly IReadOnlyList<string> DegradedReasons = Degraded();

        private static int _warned;

        /// <summary>Writes <see cref="DegradedReasons"/> to <paramref name="log"/> the first time it is called with a log in this process.</summary>
        public static void WarnOnce(Action<string>? log)
        {
            if (Missing.Count == 0 || log == null || Interlocked.Exchange(ref _warned, 1) != 0)
            {
                return;
            }

            log($"WARNING: this SSH.NET build lacks internals Sentinel uses ({string.Join(", ", Missing)}){(DegradedReasons.Count > 0 ? ": " + string.Join("; ", DegradedReasons) : string.Empty)}.");
        }

        private static List<string> Degraded()
        {
            var reasons = new List<string>();
            if (!CanPing)
            {
                reasons.Add("the keepalive cannot ask the server, so it reports every kept-alive connection lost");
            }

            if (!CanObserveData)
            {
                reasons.Add("command output is read with a blocked thread per stream");
            }

            if (!CanRefillWindow)
            {
                reasons.Add("the receive window is not refilled, so a command printing over 500 MB to Dropbear hangs");
            }

            if (ChannelSendSignal == null || CommandChannelField == null)
            {
                reasons.Add("stopping a command waits for SSH.NET's channel close");
            }

            if (!CanPipelineSftp)
            {
                reasons.Add("file copies send one SFTP request at a time");
            }

            if (!CanExchangeSntrup)
            {
                reasons.Add("sntrup761x25519 key exchange uses SSH.NET's slower implementation");
            }

            return reasons;
        }

        /// <summary>The internal request type's constructor taking <paramref name="leading"/>, then an Action of SftpStatusResponse.</summary>
        private static ConstructorInfo? StatusRequestConstructor(string typeName, params Type[] leading)
        {
            var status = SshNet.GetType("Renci.SshNet.Sftp.Responses.SftpStatusResponse");
            if (status == null)
            {
                return null;
            }

            var parameters = new List<Type>(leading) { typeof(Action<>).MakeGenericType(status) };
            return SshNet.GetType(typeName)?.GetConstructor(Instance, null, parameters.ToArray(), null);
        }

        private static T? Resolve<T>(string name, Func<T?> lookup, Func<T, bool>? usable = null)
            where T : class
        {
            T? member;
            try
            {
                member = lookup();
            }
            catch (AmbiguousMatchException)
            {
                member = null;
            }

            if (member == null || (usable != null && !usable(member)))
            {
                MissingNames.Add(name);
                return null;
            }

            return member;
        }
    }
}
