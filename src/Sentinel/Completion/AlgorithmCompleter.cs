using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Sentinel.Module;
using Sentinel.Transport;

namespace Sentinel.Completion
{
    /// <summary>Completes -KeyExchange and -Cipher with the names the SSH transport implements, default offer first.</summary>
    public sealed class AlgorithmCompleter : IArgumentCompleter
    {
        private readonly Func<ISshTransport> _transport;

        /// <summary>PowerShell creates completers itself: this one is a composition root and takes the module's transport.</summary>
        public AlgorithmCompleter()
            : this(() => SshAdapterLoader.Transport)
        {
        }

        internal AlgorithmCompleter(Func<ISshTransport> transport)
        {
            _transport = transport;
        }

        /// <summary>The names that start with the typed word: those offered by default first, then the rest.</summary>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var transport = _transport();
            var set = string.Equals(parameterName, "Cipher", StringComparison.OrdinalIgnoreCase) ? transport.Ciphers : transport.KeyExchanges;
            var typed = wordToComplete.Trim('\'', '"');
            return set.OfferedByDefault.Concat(set.Supported.Except(set.OfferedByDefault))
                .Where(name => name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .Select(name => new CompletionResult(
                    name,
                    name,
                    CompletionResultType.ParameterValue,
                    set.OfferedByDefault.Contains(name) ? $"{name} (offered by default)" : $"{name} (not offered unless named)"));
        }
    }
}
