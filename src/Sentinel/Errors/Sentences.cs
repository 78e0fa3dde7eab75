namespace Sentinel.Errors
{
    /// <summary>Ends messages built around text from elsewhere (a library's message, a server's words).</summary>
    internal static class Sentences
    {
        /// <summary><paramref name="text"/> with a full stop, unless it already ends a sentence ("sshd_config?" stays as it is).</summary>
        public static string End(string text)
        {
            var trimmed = text.TrimEnd();
            return trimmed.EndsWith(".", System.StringComparison.Ordinal) || trimmed.EndsWith("?", System.StringComparison.Ordinal) || trimmed.EndsWith("!", System.StringComparison.Ordinal)
                ? trimmed
                : trimmed + ".";
        }
    }
}
