using System.Collections.Generic;
using Renci.SshNet;
using Renci.SshNet.Security;
using Sentinel.Agent;
using Sentinel.HostKeys;

namespace Sentinel.Ssh
{
    /// <summary>
    /// An ssh-agent identity as SSH.NET's publickey method sees it: the public blob to offer, and a
    /// Sign that asks the agent. RSA keys (and RSA certificates) sign with rsa-sha2-512 or rsa-sha2-256
    /// through the agent's flags, never SHA-1; DSA keys, which can only sign SHA-1, are not offered.
    /// </summary>
    internal sealed class SshNetAgentKey : IPrivateKeySource
    {
        public SshNetAgentKey(AgentKey key)
        {
            Key = key;
            var type = key.Identity.KeyType;
            var plain = SshKeyBlob.PlainKeyType(type);
            var suffix = key.Identity.IsCertificate ? type.Substring(plain.Length) : string.Empty;
            var algorithms = new List<HostAlgorithm>();
            if (plain == "ssh-rsa")
            {
                algorithms.Add(new AgentAlgorithm("rsa-sha2-512" + suffix, key, AgentProtocol.RsaSha2_512, "rsa-sha2-512"));
                algorithms.Add(new AgentAlgorithm("rsa-sha2-256" + suffix, key, AgentProtocol.RsaSha2_256, "rsa-sha2-256"));
            }
            else if (plain != "ssh-dss")
            {
                algorithms.Add(new AgentAlgorithm(type, key, 0, plain));
            }

            HostKeyAlgorithms = algorithms;
        }

        public AgentKey Key { get; }

        public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }

        private sealed class AgentAlgorithm : HostAlgorithm
        {
            private readonly AgentKey _key;
            private readonly uint _flags;
            private readonly string _signatureFormat;

            public AgentAlgorithm(string name, AgentKey key, uint flags, string signatureFormat)
                : base(name)
            {
                _key = key;
                _flags = flags;
                _signatureFormat = signatureFormat;
            }

            public override byte[] Data => _key.Identity.Blob;

            public override byte[] Sign(byte[] data) => _key.Sign(data, _flags, _signatureFormat);

            // Only a server's host key is ever verified, and an agent key never is one.
            public override bool VerifySignature(byte[] data, byte[] signature) => false;
        }
    }
}
