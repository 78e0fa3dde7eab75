using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Sentinel.Platform
{
    /// <summary>
    /// Unix file modes. netstandard2.0 has no API for them, but the .NET that runs PowerShell 7 does
    /// (File.GetUnixFileMode and friends, .NET 7+), so they are reached by reflection; on Windows
    /// and .NET Framework they answer null and do nothing.
    /// </summary>
    internal static class UnixPermissions
    {
        private static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        private static readonly MethodInfo? GetMode = typeof(File).GetMethod("GetUnixFileMode", new[] { typeof(string) });
        private static readonly MethodInfo? SetMode = GetUnixFileModeType() is Type modeType
            ? typeof(File).GetMethod("SetUnixFileMode", new[] { typeof(string), modeType })
            : null;

        /// <summary>The permission bits of a file, or null where they cannot be read.</summary>
        public static int? TryGet(string path)
        {
            if (IsWindows || GetMode == null || !File.Exists(path))
            {
                return null;
            }

            return Convert.ToInt32(GetMode.Invoke(null, new object[] { path }));
        }

        public static void TrySet(string path, int mode)
        {
            if (IsWindows || SetMode == null)
            {
                return;
            }

            SetMode.Invoke(null, new[] { path, Enum.ToObject(GetUnixFileModeType()!, mode) });
        }

        private static Type? GetUnixFileModeType() => typeof(File).Assembly.GetType("System.IO.UnixFileMode");
    }
}
