using System;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Sentinel.Platform
{
    /// <summary>
    /// Unix file modes. netstandard2.0 has no API for them, but the .NET that runs PowerShell 7 does
    /// (File.GetUnixFileMode and friends, FileStreamOptions.UnixCreateMode, .NET 7+), so they are
    /// reached by reflection; on Windows and .NET Framework they answer null and do nothing.
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

            return Convert.ToInt32(GetMode.Invoke(null, new object[] { path }), CultureInfo.InvariantCulture);
        }

        public static void TrySet(string path, int mode)
        {
            if (IsWindows || SetMode == null)
            {
                return;
            }

            SetMode.Invoke(null, new[] { path, Enum.ToObject(GetUnixFileModeType()!, mode) });
        }

        private static readonly Type? StreamOptionsType = typeof(FileStream).Assembly.GetType("System.IO.FileStreamOptions");
        private static readonly ConstructorInfo? StreamWithOptions = StreamOptionsType != null
            ? typeof(FileStream).GetConstructor(new[] { typeof(string), StreamOptionsType })
            : null;

        /// <summary>
        /// Creates a new file (never one that exists, never through a symbolic link) that has
        /// <paramref name="mode"/> (narrowed by the umask) from the open(2) call that makes it, so no
        /// other user can open it in between, as a create under the umask and a chmod after would let
        /// them. Throws NotSupportedException on a Unix runtime without FileStreamOptions.UnixCreateMode.
        /// </summary>
        public static FileStream CreateNew(string path, int mode, int bufferSize = 4096)
        {
            if (IsWindows)
            {
                return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);
            }

            if (StreamWithOptions == null || GetUnixFileModeType() is not Type modeType)
            {
                throw new NotSupportedException($"this .NET cannot create a file with its Unix mode (needs .NET 7 or later), so '{path}' would be readable by others for a moment");
            }

            var options = Activator.CreateInstance(StreamOptionsType!)!;
            StreamOptionsType!.GetProperty("Mode")!.SetValue(options, FileMode.CreateNew);
            StreamOptionsType.GetProperty("Access")!.SetValue(options, FileAccess.Write);
            StreamOptionsType.GetProperty("Share")!.SetValue(options, FileShare.None);
            StreamOptionsType.GetProperty("BufferSize")!.SetValue(options, bufferSize);
            StreamOptionsType.GetProperty("UnixCreateMode")!.SetValue(options, Enum.ToObject(modeType, mode));
            try
            {
                return (FileStream)StreamWithOptions.Invoke(new[] { path, options });
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        /// <summary>A new file readable by its owner only (0600) from its first moment; an IOException where that cannot be had.</summary>
        public static FileStream CreatePrivate(string path, int bufferSize)
        {
            try
            {
                return CreateNew(path, PrivateMode, bufferSize);
            }
            catch (NotSupportedException e)
            {
                throw new IOException(e.Message, e);
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
