using System;
using System.Linq;
using System.Management.Automation;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Lists the sessions of the current runspace.</summary>
    [Cmdlet(VerbsCommon.Get, "SentinelSession", DefaultParameterSetName = AllSet)]
    [OutputType(typeof(SentinelSession))]
    public sealed class GetSentinelSessionCommand : SentinelCmdlet
    {
        private static readonly string[] AnyHost = { "*" };

        private const string AllSet = "All";
        private const string IdSet = "Id";

        /// <summary>The ids of the sessions to get.</summary>
        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(SessionIdCompleter))]
        public int[] Id { get; set; } = Array.Empty<int>();

        /// <summary>The hosts whose sessions to get; wildcards allowed.</summary>
        [Parameter(ParameterSetName = AllSet, Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? ComputerName { get; set; }

        /// <inheritdoc/>

        protected override void ProcessRecord()
        {
            var store = SessionStore.Current;
            if (ParameterSetName == IdSet)
            {
                foreach (var id in Id)
                {
                    var session = store.Find(id);
                    if (session == null)
                    {
                        WriteSentinelError(SessionErrors.NotFound(id), id);
                    }
                    else
                    {
                        WriteObject(session);
                    }
                }

                return;
            }

            var patterns = (ComputerName ?? AnyHost).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            WriteObject(store.All().Where(s => patterns.Any(p => p.IsMatch(s.ComputerName))), enumerateCollection: true);
        }
    }
}
