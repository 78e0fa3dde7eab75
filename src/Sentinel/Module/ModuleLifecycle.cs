using System.Management.Automation;
using Sentinel.Audit;
using Sentinel.Connections;

namespace Sentinel.Module
{
    /// <summary>Import and removal hooks: sessions do not outlive the module that opened them, nor do unwritten audit records.</summary>
    public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport()
        {
            // Load the SSH adapter now: a broken install fails at Import-Module, not at first connect.
            _ = SshAdapterLoader.Transport;
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            SessionStore.Current.CloseAll();
            AuditLog.Flush(AuditLog.FlushTimeout);
        }
    }
}
