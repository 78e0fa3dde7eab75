using System;
using System.Collections.Generic;
using System.IO;
using Sentinel.HostKeys;

namespace Sentinel.Agent
{
    /// <summary>
    /// The client side of the ssh-agent protocol (draft-miller-ssh-agent; OpenSSH's PROTOCOL.agent and
    /// authfd.c): the two requests Sentinel sends (list identities, sign) and the parsing of their
    /// replies. The agent is another process, possibly not the one the user meant, so replies are
    /// parsed as hostile: lengths are checked before allocation, counts are capped, and a reply of the
    /// wrong type is an <see cref="AgentException"/>, never a guess.
    /// </summary>
    internal static class AgentProtocol
    {
        /// <summary>OpenSSH's own limit on an agent message (authfd.c MAX_AGENT_REPLY_LEN).</summary>
        public const int MaxMessageLength = 256 * 1024;

        /// <summary>OpenSSH's cap on identities read from an agent (authfd.c MAX_AGENT_IDENTITIES).</summary>
        public const int MaxIdentities = 2048;

        public const byte Failure = 5;
        public const byte RequestIdentities = 11;
        public const byte IdentitiesAnswer = 12;
        public const byte SignRequest = 13;
        public const byte SignResponse = 14;

        // OpenSSH answers a few other failure codes for old protocol versions and extensions.
        private const byte ExtensionFailure = 28;
        private const byte Ssh2ComFailure = 102;
        private const byte Ssh1Failure = 30;

        /// <summary>Sign flags: which hash an RSA key signs with. Without one the agent uses SHA-1, which Sentinel never asks for.</summary>
        public const uint RsaSha2_256 = 2;
        public const uint RsaSha2_512 = 4;

        /// <summary>A request ready to write: uint32 length, then the type and its body.</summary>
        public static byte[] IdentitiesRequest() => Frame(RequestIdentities, Array.Empty<byte>());

        public static byte[] SignRequestFor(byte[] keyBlob, byte[] data, uint flags)
        {
            var body = new MemoryStream();
            WriteString(body, keyBlob);
            WriteString(body, data);
            WriteUInt32(body, flags);
            return Frame(SignRequest, body.ToArray());
        }

        /// <summary>The identities in a reply to <see cref="IdentitiesRequest"/>.</summary>
        public static IReadOnlyList<AgentIdentity> ParseIdentities(byte[] reply)
        {
            var reader = Expect(reply, IdentitiesAnswer, "the list of identities");
            try
            {
                var count = reader.ReadUInt32();
                if (count > MaxIdentities)
                {
                    throw new AgentException($"the agent claims {count} identities, more than the {MaxIdentities} ssh reads");
                }

                var identities = new List<AgentIdentity>((int)count);
                for (var i = 0; i < count; i++)
                {
                    var blob = reader.ReadBytes();
                    var comment = reader.ReadString();
                    var identity = AgentIdentity.FromBlob(blob, comment);
                    if (identity != null)
                    {
                        identities.Add(identity);
                    }
                }

                return identities;
            }
            catch (FormatException e)
            {
                throw new AgentException($"the list of identities is malformed: {e.Message}", e);
            }
        }

        /// <summary>
        /// The signature blob (string format name, string signature: what SSH_MSG_USERAUTH_REQUEST
        /// carries) in a reply to <see cref="SignRequestFor"/>; null when the agent refused to sign.
        /// </summary>
        public static byte[]? ParseSignature(byte[] reply)
        {
            if (IsFailure(reply))
            {
                return null;
            }

            var reader = Expect(reply, SignResponse, "a signature");
            try
            {
                var signature = reader.ReadBytes();
                var format = new SshWireReader(signature).ReadString();
                if (format.Length == 0)
                {
                    throw new FormatException("the signature names no algorithm");
                }

                return signature;
            }
            catch (FormatException e)
            {
                throw new AgentException($"the signature is malformed: {e.Message}", e);
            }
        }

        /// <summary>The signature algorithm a signature blob names (<c>rsa-sha2-512</c>), or null when it names none.</summary>
        public static string? SignatureFormat(byte[] signature)
        {
            try
            {
                return new SshWireReader(signature).ReadString();
            }
            catch (FormatException)
            {
                return null;
            }
        }

        private static bool IsFailure(byte[] reply) =>
            reply.Length > 0 && (reply[0] == Failure || reply[0] == ExtensionFailure || reply[0] == Ssh2ComFailure || reply[0] == Ssh1Failure);

        private static SshWireReader Expect(byte[] reply, byte type, string what)
        {
            if (reply.Length == 0)
            {
                throw new AgentException($"the agent sent an empty message instead of {what}");
            }

            if (reply[0] != type)
            {
                throw new AgentException(IsFailure(reply)
                    ? $"the agent refused the request for {what}"
                    : $"the agent sent message type {reply[0]} instead of {what} (type {type})");
            }

            return new SshWireReader(reply, 1, reply.Length - 1);
        }

        private static byte[] Frame(byte type, byte[] body)
        {
            var message = new MemoryStream();
            WriteUInt32(message, (uint)(body.Length + 1));
            message.WriteByte(type);
            message.Write(body, 0, body.Length);
            return message.ToArray();
        }

        private static void WriteString(Stream stream, byte[] value)
        {
            WriteUInt32(stream, (uint)value.Length);
            stream.Write(value, 0, value.Length);
        }

        private static void WriteUInt32(Stream stream, uint value)
        {
            stream.WriteByte((byte)(value >> 24));
            stream.WriteByte((byte)(value >> 16));
            stream.WriteByte((byte)(value >> 8));
            stream.WriteByte((byte)value);
        }
    }

    /// <summary>The agent answered something that is not a valid reply, or nothing in time.</summary>
    internal sealed class AgentException : Exception
    {
        public AgentException(string message, Exception? inner = null)
            : base(message, inner)
        {
        }
    }
}
