using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Sentinel.Connections;
using Sentinel.Results;

namespace Sentinel.Completion
{
    /// <summary>Completes a session id (-Id) from the sessions open in the current runspace.</summary>
    public sealed class SessionIdCompleter : IArgumentCompleter
    {
        /// <summary>The ids of the open sessions whose id or host starts with the typed word.</summary>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            return SessionCompletion.Matching(wordToComplete, session => session.Id.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Completes -Session with an expression that fetches the session by id, since a session object
    /// cannot be typed at the prompt.
    /// </summary>
    public sealed class SessionCompleter : IArgumentCompleter
    {
        /// <summary>A <c>(Get-SentinelSession -Id n)</c> expression for each open session whose id or host starts with the typed word.</summary>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            return SessionCompletion.Matching(wordToComplete, session => $"(Get-SentinelSession -Id {session.Id.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    internal static class SessionCompletion
    {
        /// <summary>
        /// One completion per session whose id, host name or completion text starts with what was typed;
        /// the tooltip says where the session goes, so the user picks by host, not by number.
        /// </summary>
        public static IEnumerable<CompletionResult> Matching(string wordToComplete, System.Func<SentinelSession, string> completionText)
        {
            var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var runspace = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
            if (runspace == null)
            {
                return Enumerable.Empty<CompletionResult>();
            }

            return SessionStore.Current.All()
                .Where(session => Matches(session, completionText(session), typed))
                .Select(session => new CompletionResult(
                    completionText(session),
                    $"{session.Id} {session.UserName}@{session.ComputerName}",
                    CompletionResultType.ParameterValue,
                    session.ToString()))
                .ToArray();
        }

        private static bool Matches(SentinelSession session, string text, string typed) =>
            typed.Length == 0
            || text.StartsWith(typed, System.StringComparison.OrdinalIgnoreCase)
            || session.Id.ToString(CultureInfo.InvariantCulture).StartsWith(typed, System.StringComparison.Ordinal)
            || session.ComputerName.StartsWith(typed, System.StringComparison.OrdinalIgnoreCase);
    }
}
