using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Sentinel.Module;

namespace Sentinel.Completion
{
    /// <summary>Completes -KeyExchange and -Cipher with the names the SSH transport implements, default offer first.</summary>
    public sealed class AlgorithmCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var transport = SshAdapterLoader.Transport;
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
