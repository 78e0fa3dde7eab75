using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Threading.Tasks;
using Sentinel.Transport;

namespace Sentinel.Module
{
    /// <summary>
    /// Loads the SSH adapter (Sentinel.Ssh and SSH.NET with its dependencies) from the module's
    /// dependencies folder. On PowerShell 7 they go into an AssemblyLoadContext of their own, so another
    /// module's SSH.NET or BouncyCastle can neither replace nor break ours; all of them are loaded
    /// eagerly, because a lazy resolver loses to a copy already loaded in the default context.
    /// </summary>
    internal static class SshAdapterLoader
    {
        public const string LoadContextName = "Sentinel";
        private const string AdapterAssembly = "Sentinel.Ssh";
        private const string AdapterType = "Sentinel.Ssh.SshNetTransport";
        private const string KeyPrimitivesType = "Sentinel.Ssh.SshNetKeyPrimitives";

        private static readonly Lazy<Assembly> LazyAdapter = new Lazy<Assembly>(Load);
        private static readonly Lazy<ISshTransport> LazyTransport = new Lazy<ISshTransport>(() => Create<ISshTransport>(AdapterType));
        private static readonly Lazy<IKeyPrimitives> LazyKeyPrimitives = new Lazy<IKeyPrimitives>(() => Create<IKeyPrimitives>(KeyPrimitivesType));

        public static ISshTransport Transport => LazyTransport.Value;

        /// <summary>
        /// What cmdlets get instead of <see cref="Transport"/> when set: the unit tests' scripted transport
        /// (PowerShell constructs the cmdlets, so nothing else can hand them one). Null in the module.
        /// </summary>
        internal static ISshTransport? Override { get; set; }

        /// <summary>
        /// Loads the adapter on a pool thread, so that Import-Module does not wait for it and the first
        /// connection finds it ready. A broken install is not hidden: the load's error is kept and
        /// thrown to every cmdlet that needs the adapter.
        /// </summary>
        public static void LoadInBackground() => Task.Run(() =>
        {
            try
            {
                _ = LazyTransport.Value;
            }
            catch (Exception)
            {
                // Kept by LazyTransport and thrown again at its first use.
            }
        });

        /// <summary>ed25519 and bcrypt_pbkdf, from the adapter's cryptography (for New-SentinelKey).</summary>
        public static IKeyPrimitives KeyPrimitives => LazyKeyPrimitives.Value;

        private static bool IsDesktop => RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        private static T Create<T>(string typeName) => (T)Activator.CreateInstance(LazyAdapter.Value.GetType(typeName, throwOnError: true)!, nonPublic: true)!;

        private static Assembly Load()
        {
            var moduleFolder = Path.GetDirectoryName(typeof(SshAdapterLoader).Assembly.Location)!;
            var dependencies = Path.Combine(moduleFolder, "dependencies", IsDesktop ? "Desktop" : "Core");

            Assembly adapter;
            if (!Directory.Exists(dependencies))
            {
                // Development and unit-test layout: the adapter sits beside Sentinel.dll.
                adapter = Assembly.Load(new AssemblyName(AdapterAssembly));
            }
            else if (IsDesktop)
            {
                adapter = LoadForDesktop(dependencies);
            }
            else
            {
                adapter = LoadForCore(dependencies);
            }

            return adapter;
        }

        private static Assembly LoadForCore(string dependencies)
        {
            // netstandard2.0 cannot name the AssemblyLoadContext(string, bool) constructor that gives
            // a context its name, but the runtime under PowerShell 7 has it.
            var context = (AssemblyLoadContext)Activator.CreateInstance(typeof(AssemblyLoadContext), LoadContextName, false)!;

            // The adapter refers to Sentinel.dll: hand it the copy PowerShell already loaded.
            var sentinel = typeof(SshAdapterLoader).Assembly;
            context.Resolving += (ctx, name) => name.Name == sentinel.GetName().Name ? sentinel : null;

            Assembly? adapter = null;
            foreach (var path in Directory.GetFiles(dependencies, "*.dll"))
            {
                var loaded = context.LoadFromAssemblyPath(path);
                if (loaded.GetName().Name == AdapterAssembly)
                {
                    adapter = loaded;
                }
            }

            return adapter ?? throw new FileNotFoundException($"The SSH adapter is missing from '{dependencies}'; the module is not laid out as built.", AdapterAssembly + ".dll");
        }

        private static Assembly LoadForDesktop(string dependencies)
        {
            AppDomain.CurrentDomain.AssemblyResolve += (sender, args) =>
            {
                var candidate = Path.Combine(dependencies, new AssemblyName(args.Name).Name + ".dll");
                return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
            };
            return Assembly.LoadFrom(Path.Combine(dependencies, AdapterAssembly + ".dll"));
        }
    }
}
