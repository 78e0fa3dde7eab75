using System.Text;
using Sentinel.Execution;

namespace Sentinel.Files
{
    /// <summary>
    /// Puts the new file's path where -Validate has {}, quoted for where the {} stands: bare, inside the
    /// user's single quotes, or inside their double quotes. A plain single-quoted path dropped inside
    /// the user's own quotes would close them and leave the path unquoted.
    /// </summary>
    internal static class ValidateCommand
    {
        public static string Substitute(string template, string path)
        {
            var line = new StringBuilder(template.Length + path.Length);
            var quote = '\0';
            for (var i = 0; i < template.Length; i++)
            {
                var c = template[i];
                if (c == '{' && i + 1 < template.Length && template[i + 1] == '}')
                {
                    line.Append(quote == '\'' ? path.Replace("'", "'\\''") : quote == '"' ? InDoubleQuotes(path) : ShellQuote.Quote(path));
                    i++;
                    continue;
                }

                if (quote == '\0' && c == '\\' && i + 1 < template.Length)
                {
                    line.Append(c).Append(template[++i]);
                    continue;
                }

                if (quote == '"' && c == '\\' && i + 1 < template.Length)
                {
                    line.Append(c).Append(template[++i]);
                    continue;
                }

                if ((c == '\'' || c == '"') && (quote == '\0' || quote == c))
                {
                    quote = quote == '\0' ? c : '\0';
                }

                line.Append(c);
            }

            return line.ToString();
        }

        /// <summary>Inside double quotes only \, ", $ and ` are special; a backslash makes each literal.</summary>
        private static string InDoubleQuotes(string path)
        {
            var escaped = new StringBuilder(path.Length + 8);
            foreach (var c in path)
            {
                if (c == '\\' || c == '"' || c == '$' || c == '`')
                {
                    escaped.Append('\\');
                }

                escaped.Append(c);
            }

            return escaped.ToString();
        }
    }
}
