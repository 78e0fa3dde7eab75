using System.Text.RegularExpressions;
using Sentinel.Errors;

namespace Sentinel.Services
{
    /// <summary>Service names are checked before anything runs: systemd unit name characters only.</summary>
    internal static class ServiceName
    {
        // systemd allows ASCII letters, digits and ":-_.\" plus "@" for instances. A leading '-' would be an option.
        // \z, not $: $ also matches before a final newline, which would let "nginx\n" through.
        private static readonly Regex Valid = new Regex(@"^[A-Za-z0-9:_.\\@][A-Za-z0-9:_.\\@-]{0,255}\z", RegexOptions.CultureInvariant);

        public static bool IsValid(string name) => Valid.IsMatch(name);

        public static void Validate(string name)
        {
            if (!IsValid(name))
            {
                throw ServiceErrors.InvalidName(name);
            }
        }

        /// <summary>The name without systemd's ".service" suffix, as init scripts and config tests know it.</summary>
        public static string Bare(string name) => name.EndsWith(".service", System.StringComparison.Ordinal) ? name.Substring(0, name.Length - ".service".Length) : name;
    }
}
