using System.Text;

namespace Sentinel.Execution
{
    /// <summary>The one place that quotes values for a remote shell.</summary>
    internal static class ShellQuote
    {
        /// <summary>Single-quotes <paramref name="value"/> so a POSIX shell takes it as one literal word.</summary>
        public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

        /// <summary>
        /// Quotes <paramref name="value"/> so POSIX shells (sh, bash, zsh...) and fish alike take it as
        /// one literal word: the login shell, which may be either, reads the first line sshd hands it.
        /// Inside single quotes fish reads <c>\'</c> and <c>\\</c> as escapes where POSIX shells keep
        /// both characters, so every <c>'</c> and <c>\</c> goes outside the quotes, as <c>\'</c> and
        /// <c>\\</c>, which both read alike; the rest goes in single-quoted runs, literal in both.
        /// </summary>
        public static string QuoteForAnyShell(string value)
        {
            if (value.Length == 0)
            {
                return "''";
            }

            var quoted = new StringBuilder(value.Length + 2);
            var inQuotes = false;
            foreach (var c in value)
            {
                var escaped = c == '\'' || c == '\\';
                if (escaped == inQuotes)
                {
                    quoted.Append('\'');
                    inQuotes = !inQuotes;
                }

                if (escaped)
                {
                    quoted.Append('\\');
                }

                quoted.Append(c);
            }

            if (inQuotes)
            {
                quoted.Append('\'');
            }

            return quoted.ToString();
        }
    }
}
