using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using Sentinel.Audit;
using Sentinel.Connections;

[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:Sentinel.Module", Justification = "Module is a keyword of Visual Basic only, and no Visual Basic code uses a PowerShell module's assembly.")]

namespace Sentinel.Module
{
    /// <summary>Import and removal hooks: sessions do not outlive the module that opened them, nor do unwritten audit records.</summary>
    public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>Starts loading the SSH adapter in the background, so that the first connection finds it ready.</summary>
        public void OnImport()
        {
            SshAdapterLoader.LoadInBackground();
        }

        /// <summary>Closes the runspace's sessions and waits briefly for queued audit records to be written.</summary>
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            SessionStore.Current.CloseAll();
            AuditLog.Flush(AuditLog.FlushTimeout);
        }
    }
}
