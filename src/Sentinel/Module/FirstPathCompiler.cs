using System;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Sentinel.Commands;

namespace Sentinel.Module
{
    /// <summary>
    /// Compiles the code of a first connection and command ahead of its use, on the pool thread that
    /// loads the adapter at import. Sentinel.dll is IL (Windows PowerShell 5.1 loads the same file), so
    /// without this the first call in a process waits for the JIT to compile some 550 of its methods
    /// one by one, on the thread that needs them; here they are compiled while PowerShell is still
    /// busy with the import, on the other core. Only compiles: no code runs and no state changes.
    /// </summary>
    internal static class FirstPathCompiler
    {
        private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

        /// <summary>The engine a connection and a command go through, in the order the first call reaches it.</summary>
        private static readonly string[] FirstPathNamespaces =
        {
            "Sentinel.Hosts", "Sentinel.Inventory", "Sentinel.Connections", "Sentinel.HostKeys",
            "Sentinel.Transport", "Sentinel.Pacing", "Sentinel.Execution", "Sentinel.Pipeline",
        };

        /// <summary>The cmdlet classes of the first call (with their lambdas and state machines).</summary>
        private static readonly Type[] FirstPathCmdlets =
        {
            typeof(SentinelCmdlet), typeof(ConnectionCmdlet), typeof(HostCmdlet), typeof(InvokeSentinelCommandCommand),
        };

        public static void CompileAhead()
        {
            var types = typeof(FirstPathCompiler).Assembly.GetTypes().Where(type => !type.ContainsGenericParameters).ToArray();
            foreach (var cmdlet in FirstPathCmdlets)
            {
                foreach (var type in types.Where(type => type == cmdlet || IsNestedIn(type, cmdlet)))
                {
                    Compile(type);
                }
            }

            foreach (var ns in FirstPathNamespaces)
            {
                foreach (var type in types.Where(type => type.Namespace == ns))
                {
                    Compile(type);
                }
            }
        }

        private static bool IsNestedIn(Type type, Type outer)
        {
            for (var declaring = type.DeclaringType; declaring != null; declaring = declaring.DeclaringType)
            {
                if (declaring == outer)
                {
                    return true;
                }
            }

            return false;
        }

        private static void Compile(Type type)
        {
            foreach (var method in type.GetMethods(Declared).Where(method => !method.IsAbstract && !method.ContainsGenericParameters))
            {
                Prepare(method);
            }

            foreach (var constructor in type.GetConstructors(Declared))
            {
                Prepare(constructor);
            }
        }

        private static void Prepare(MethodBase method)
        {
            try
            {
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
            }
            catch (Exception e) when (e is ArgumentException || e is InvalidOperationException || e is NotSupportedException || e is TypeLoadException || e is BadImageFormatException)
            {
                // A method the runtime cannot compile alone (an extern, a runtime-implemented delegate
                // member): the first call compiles what it needs by itself, as without this.
            }
        }
    }
}
