using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Math.EC.Rfc7748;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Messages;
using Renci.SshNet.Messages.Transport;
using Renci.SshNet.Security;

namespace Sentinel.Ssh
{
    /// <summary>
    /// The sntrup761x25519-sha512 key exchange (and its @openssh.com name) with Sentinel's own sntrup761
    /// (<see cref="Sntrup761"/>) in place of BouncyCastle's, which costs about 50 ms of client CPU per
    /// connection. The protocol is SSH.NET's KeyExchangeSNtruP761X25519Sha512 and OpenSSH's
    /// kexsntrup761x25519.c: the client sends its sntrup761 public key and X25519 public key, the server
    /// replies with a ciphertext and its X25519 public key, K = SHA-512(sntrup761 key || X25519 shared
    /// secret) encoded as a string, and the exchange hash is SHA-512 over V_C, V_S, I_C, I_S, K_S, Q_C, Q_S, K.
    /// SSH.NET keeps three pieces internal (the ECDH init message, the reply event, the host-key signature
    /// check); they are reached by reflection (<see cref="SshNetInternals"/>). Should a later SSH.NET lack any of them,
    /// <see cref="Install"/> leaves SSH.NET's own implementation in the table: slower, never broken.
    /// </summary>
    internal sealed class Sntrup761X25519KeyExchange : KeyExchange
    {
        public static readonly string[] Names = { "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com" };

        private const string ReplyMessageName = "SSH_MSG_KEX_ECDH_REPLY";
        private const int X25519Bytes = 32;

        private readonly string _name;
        private readonly EventHandler<MessageEventArgs<KeyExchangeEcdhReplyMessage>> _onReply;
        private readonly byte[] _sntrupSecretKey = new byte[Sntrup761.SecretKeyBytes];
        private readonly byte[] _x25519PrivateKey = new byte[X25519Bytes];
        private byte[] _clientPayload = Array.Empty<byte>();
        private byte[] _serverPayload = Array.Empty<byte>();
        private byte[] _clientExchangeValue = Array.Empty<byte>();
        private byte[] _serverExchangeValue = Array.Empty<byte>();
        private byte[] _hostKey = Array.Empty<byte>();
        private byte[] _signature = Array.Empty<byte>();

        private Sntrup761X25519KeyExchange(string name)
        {
            _name = name;
            _onReply = OnReply;
        }

        /// <summary>True when this SSH.NET build has every internal piece the exchange needs.</summary>
        public static bool Available => SshNetInternals.CanExchangeSntrup;

        public override string Name => _name;

        /// <summary>Points the table's sntrup761x25519 entries at this implementation, in place, keeping the order.</summary>
        public static void Install(IDictionary<string, Func<IKeyExchange>> table)
        {
            if (!Available)
            {
                return;
            }

            var entries = table.Select(entry => Names.Contains(entry.Key)
                ? new KeyValuePair<string, Func<IKeyExchange>>(entry.Key, Factory(entry.Key))
                : entry).ToList();
            table.Clear();
            foreach (var entry in entries)
            {
                table.Add(entry);
            }
        }

        public override void Start(Session session, KeyExchangeInitMessage message, bool sendClientInitMessage)
        {
            base.Start(session, message, sendClientInitMessage);
            _serverPayload = message.GetBytes();
            _clientPayload = session.ClientInitMessage.GetBytes();

            session.RegisterMessage(ReplyMessageName);
            Invoke(SshNetInternals.EcdhReplyReceived!.GetAddMethod(true)!, session, _onReply);

            var sntrupPublicKey = new byte[Sntrup761.PublicKeyBytes];
            Sntrup761.KeyPair(sntrupPublicKey, _sntrupSecretKey, Sntrup761.SystemRandom);
            Sntrup761.SystemRandom(_x25519PrivateKey); // X25519 clamps the scalar itself
            var x25519PublicKey = new byte[X25519Bytes];
            X25519.GeneratePublicKey(_x25519PrivateKey, 0, x25519PublicKey, 0);
            _clientExchangeValue = sntrupPublicKey.Concat(x25519PublicKey).ToArray();

            SendMessage((Message)SshNetInternals.EcdhInitMessage!.Invoke(new object[] { _clientExchangeValue }));
        }

        public override void Finish()
        {
            base.Finish();
            Invoke(SshNetInternals.EcdhReplyReceived!.GetRemoveMethod(true)!, Session, _onReply);
        }

        protected override byte[] CalculateHash()
        {
            using (var data = new MemoryStream())
            {
                foreach (var field in new[]
                {
                    Encoding.UTF8.GetBytes(Session.ClientVersion), Encoding.UTF8.GetBytes(Session.ServerVersion),
                    _clientPayload, _serverPayload, _hostKey, _clientExchangeValue, _serverExchangeValue, SharedKey,
                })
                {
                    data.WriteByte((byte)(field.Length >> 24));
                    data.WriteByte((byte)(field.Length >> 16));
                    data.WriteByte((byte)(field.Length >> 8));
                    data.WriteByte((byte)field.Length);
                    data.Write(field, 0, field.Length);
                }

                return Hash(data.ToArray());
            }
        }

        protected override byte[] Hash(byte[] hashData)
        {
#if NET8_0_OR_GREATER
            return SHA512.HashData(hashData);
#else
            using (var sha = SHA512.Create())
            {
                return sha.ComputeHash(hashData);
            }
#endif
        }

        protected override bool ValidateExchangeHash() => (bool)Invoke(SshNetInternals.ValidateExchangeHash!, this, _hostKey, _signature)!;

        private static Func<IKeyExchange> Factory(string name) => () => new Sntrup761X25519KeyExchange(name);

        /// <summary>Calls an SSH.NET internal; its own exceptions (a refused host key, a closed session) surface unwrapped.</summary>
        private static object? Invoke(MethodInfo method, object target, params object[] arguments)
        {
            try
            {
                return method.Invoke(target, arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        // Runs on SSH.NET's receive thread, as its own key exchanges' handlers do.
        private void OnReply(object? sender, MessageEventArgs<KeyExchangeEcdhReplyMessage> e)
        {
            Session.UnRegisterMessage(ReplyMessageName);
            var reply = e.Message;
            _hostKey = reply.KS;
            _signature = reply.Signature;
            _serverExchangeValue = reply.QS;
            if (_serverExchangeValue.Length != Sntrup761.CiphertextBytes + X25519Bytes)
            {
                throw new SshConnectionException($"Bad Q_S length: {_serverExchangeValue.Length}.", DisconnectReason.KeyExchangeFailed);
            }

            var ciphertext = new byte[Sntrup761.CiphertextBytes];
            Buffer.BlockCopy(_serverExchangeValue, 0, ciphertext, 0, ciphertext.Length);
            var serverX25519PublicKey = new byte[X25519Bytes];
            Buffer.BlockCopy(_serverExchangeValue, ciphertext.Length, serverX25519PublicKey, 0, X25519Bytes);

            // kemKey || X25519 shared secret, hashed into K; each part cleared once used.
            var secrets = new byte[Sntrup761.SharedSecretBytes + X25519Bytes];
            var kemKey = new byte[Sntrup761.SharedSecretBytes];
            try
            {
                Sntrup761.Decapsulate(kemKey, ciphertext, _sntrupSecretKey);
                Buffer.BlockCopy(kemKey, 0, secrets, 0, kemKey.Length);
                var agreed = X25519.CalculateAgreement(_x25519PrivateKey, 0, serverX25519PublicKey, 0, secrets, Sntrup761.SharedSecretBytes);
                if (!agreed)
                {
                    // An all-zero X25519 result (a low-order server key), which OpenSSH refuses too.
                    throw new SshConnectionException("The server's X25519 public key gives an all-zero shared secret.", DisconnectReason.KeyExchangeFailed);
                }

                SharedKey = Hash(secrets);
            }
            finally
            {
                Array.Clear(secrets, 0, secrets.Length);
                Array.Clear(kemKey, 0, kemKey.Length);
                Array.Clear(_sntrupSecretKey, 0, _sntrupSecretKey.Length);
                Array.Clear(_x25519PrivateKey, 0, _x25519PrivateKey.Length);
            }

            Finish();
        }
    }
}
