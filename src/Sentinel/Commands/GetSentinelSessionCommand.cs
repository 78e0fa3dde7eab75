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
        private const string AllSet = "All";
        private const string IdSet = "Id";

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(SessionIdCompleter))]
        public int[] Id { get; set; } = new int[0];

        [Parameter(ParameterSetName = AllSet, Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? ComputerName { get; set; }

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

            var patterns = (ComputerName ?? new[] { "*" }).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            WriteObject(store.All().Where(s => patterns.Any(p => p.IsMatch(s.ComputerName))), enumerateCollection: true);
        }
    }
}
