using System;
using System.Collections.Generic;
using System.Text;

namespace Sentinel.Tests.Fakes
{
    /// <summary>Reads back the single-quoted words ShellQuote put into a command line, for fakes that answer by path.</summary>
    internal static class QuotedWords
    {
        public static List<string> Of(string command)
        {
            var words = new List<string>();
            var at = command.IndexOf('\'');
            while (at >= 0)
            {
                var word = new StringBuilder();
                while (at < command.Length && command[at] == '\'')
                {
                    var end = command.IndexOf('\'', at + 1);
                    word.Append(command, at + 1, end - at - 1);
                    at = end + 1;
                    if (string.CompareOrdinal(command, at, "\\''", 0, 3) == 0)
                    {
                        word.Append('\'');
                        at += 2;
                    }
                }

                words.Add(word.ToString());
                at = command.IndexOf('\'', at);
            }

            return words;
        }
    }
}
