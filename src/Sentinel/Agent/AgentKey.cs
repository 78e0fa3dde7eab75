using Sentinel.Errors;

namespace Sentinel.Agent
{
    /// <summary>An agent identity offered to one host: signing asks the agent, whose private key never leaves it.</summary>
    internal sealed class AgentKey
    {
        private readonly AgentClient _agent;
        private readonly string _computerName;

        public AgentKey(AgentIdentity identity, AgentClient agent, string computerName)
        {
            Identity = identity;
            _agent = agent;
            _computerName = computerName;
        }

        public AgentIdentity Identity { get; }

        /// <summary>
        /// The signature blob for <paramref name="data"/>. <paramref name="flags"/> picks the RSA hash
        /// (<see cref="AgentProtocol.RsaSha2_256"/> or <see cref="AgentProtocol.RsaSha2_512"/>). An agent that
        /// refuses, dies or answers with another algorithm than asked is a Sentinel.AgentUnavailable error,
        /// which ends the connection attempt rather than leave it waiting.
        /// </summary>
        public byte[] Sign(byte[] data, uint flags, string expectedFormat)
        {
            byte[]? signature;
            try
            {
                signature = _agent.Sign(Identity.Blob, data, flags);
            }
            catch (AgentException e)
            {
                throw AgentErrors.Unavailable(_computerName, _agent.Location, $"{e.Message} (key {Identity.Description}).", e);
            }

            if (signature == null)
            {
                throw AgentErrors.Unavailable(_computerName, _agent.Location, $"the agent refused to sign with {Identity.Description} (a denied confirmation, or a key locked with ssh-add -x).");
            }

            var format = AgentProtocol.SignatureFormat(signature);
            if (format != expectedFormat)
            {
                // An agent too old for the rsa-sha2 flags answers with a SHA-1 ssh-rsa signature: never send that.
                throw AgentErrors.Unavailable(_computerName, _agent.Location, $"the agent signed with '{format}' where '{expectedFormat}' was asked (key {Identity.Description}).");
            }

            return signature;
        }
    }
}
