namespace Sentinel.Execution
{
    /// <summary>The one place that quotes values for a remote POSIX shell.</summary>
    internal static class ShellQuote
    {
        /// <summary>Single-quotes <paramref name="value"/> so the shell takes it as one literal word.</summary>
        public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";
    }
}
