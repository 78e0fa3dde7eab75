using System;
using System.Management.Automation;
using Sentinel.Completion;
using Sentinel.Connections;
using Sentinel.Errors;
using Sentinel.Results;

namespace Sentinel.Commands
{
    /// <summary>Closes sessions and removes them from the runspace's session list.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "SentinelServer", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(void))]
    public sealed class DisconnectSentinelServerCommand : SentinelCmdlet
    {
        private const string SessionSet = "Session";
        private const string IdSet = "Id";
        private const string AllSet = "All";

        /// <summary>The sessions to close; they can come down the pipeline.</summary>
        [Parameter(ParameterSetName = SessionSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ArgumentCompleter(typeof(SessionCompleter))]
        public SentinelSession[] Session { get; set; } = Array.Empty<SentinelSession>();

        /// <summary>The ids of the sessions to close.</summary>
        [Parameter(ParameterSetName = IdSet, Mandatory = true)]
        [ArgumentCompleter(typeof(SessionIdCompleter))]
        public int[] Id { get; set; } = Array.Empty<int>();

        /// <summary>Close every session.</summary>
        [Parameter(ParameterSetName = AllSet, Mandatory = true)]
        public SwitchParameter All { get; set; }

        /// <inheritdoc/>

        protected override void ProcessRecord()
        {
            var store = SessionStore.Current;
            switch (ParameterSetName)
            {
                case AllSet:
                    store.CloseAll();
                    break;
                case IdSet:
                    foreach (var id in Id)
                    {
                        var session = store.Find(id);
                        if (session == null)
                        {
                            WriteSentinelError(SessionErrors.NotFound(id), id);
                            continue;
                        }

                        Close(store, session);
                    }

                    break;
                default:
                    foreach (var session in Session)
                    {
                        Close(store, session);
                    }

                    break;
            }
        }

        private void Close(SessionStore store, SentinelSession session)
        {
            WriteVerbose($"Closing session {session.Id} to {session.ComputerName}.");
            store.Remove(session);
        }
    }
}
