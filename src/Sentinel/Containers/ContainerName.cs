using System.Text.RegularExpressions;

namespace Sentinel.Containers
{
    /// <summary>
    /// docker's own rule for container names (which ids also meet), checked before anything runs. The
    /// pattern ends in \z: $ would also match before a final newline, letting "web\n" through.
    /// </summary>
    internal static class ContainerName
    {
        private static readonly Regex Valid = new Regex(@"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}\z", RegexOptions.CultureInvariant);

        public static bool IsValid(string name) => Valid.IsMatch(name);
    }
}
