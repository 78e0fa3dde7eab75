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
            SshAdapterLoader.LoadInBackground();
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            SessionStore.Current.CloseAll();
            AuditLog.Flush(AuditLog.FlushTimeout);
        }
    }
}
