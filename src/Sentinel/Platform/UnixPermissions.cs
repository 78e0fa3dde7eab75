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
        /// <summary>rw------- (0600).</summary>
        private const int PrivateMode = 0x180;

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

        /// <summary>
        /// Creates a new file (failing when the name exists, never following a link there) for writing,
        /// with mode 0600 from its first moment on Unix (FileStreamOptions.UnixCreateMode, .NET 7+, given
        /// to open(2), so the umask can only narrow it). Where that is missing on Unix it refuses rather
        /// than create a file others could open before a chmod.
        /// </summary>
        public static FileStream CreatePrivate(string path, int bufferSize)
        {
            if (IsWindows)
            {
                return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);
            }

            var optionsType = typeof(FileStream).Assembly.GetType("System.IO.FileStreamOptions");
            var createMode = optionsType?.GetProperty("UnixCreateMode");
            var constructor = optionsType == null ? null : typeof(FileStream).GetConstructor(new[] { typeof(string), optionsType });
            if (optionsType == null || createMode == null || constructor == null)
            {
                throw new IOException($"cannot create '{path}' readable by its owner only on this .NET (FileStreamOptions.UnixCreateMode needs .NET 7 or later)");
            }

            var options = Activator.CreateInstance(optionsType)!;
            optionsType.GetProperty("Mode")!.SetValue(options, FileMode.CreateNew);
            optionsType.GetProperty("Access")!.SetValue(options, FileAccess.Write);
            optionsType.GetProperty("Share")!.SetValue(options, FileShare.None);
            optionsType.GetProperty("BufferSize")!.SetValue(options, bufferSize);
            createMode.SetValue(options, Enum.ToObject(GetUnixFileModeType()!, PrivateMode));
            try
            {
                return (FileStream)constructor.Invoke(new[] { path, options });
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        /// <summary>
        /// The mode a downloaded file gets when it is new: the remote permission bits (no set-id or
        /// sticky bits) less this process's umask, owner-writable; what OpenSSH's sftp get does.
        /// </summary>
        public static int NewFileMode(int remoteMode) => NewFileMode(remoteMode, Umask());

        public static int NewFileMode(int remoteMode, int umask) => (remoteMode & 0x1FF & ~umask) | 0x80;

        /// <summary>This process's umask (Linux: /proc/self/status), 022 where it cannot be read.</summary>
        public static int Umask()
        {
            const int Default = 0x12;
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("Umask:", StringComparison.Ordinal))
                    {
                        return Convert.ToInt32(line.Substring(6).Trim(), 8);
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FormatException)
            {
            }

            return Default;
        }

        private static Type? GetUnixFileModeType() => typeof(File).Assembly.GetType("System.IO.UnixFileMode");
    }
}
