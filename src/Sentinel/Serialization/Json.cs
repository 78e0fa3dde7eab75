using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Sentinel.Serialization
{
    /// <summary>A JSON document that does not parse, with the line and column where it went wrong; a FormatException, like any malformed text.</summary>
    internal sealed class JsonException : FormatException
    {
        public JsonException(string message, int line, int column)
            : base($"{message} (line {line}, column {column})")
        {
            Line = line;
            Column = column;
        }

        public int Line { get; }

        public int Column { get; }
    }

    /// <summary>
    /// The small JSON reader and writer Sentinel's own files need (the servers file, the audit log).
    /// netstandard2.0 has no System.Text.Json, and a package for it would land in the default load
    /// context beside whatever other modules bring. Objects read as dictionaries (keys ignore case),
    /// arrays as lists, numbers as double. It also reads what remote hosts print (docker's JSON), so
    /// hostile text must end in a JsonException, never worse: nesting is limited (the reader recurses,
    /// and 100,000 '[' would overflow the stack and kill the process), every step moves forward
    /// (linear time), and numbers that do not fit a double are refused.
    /// </summary>
    internal static class Json
    {
        /// <summary>How deep arrays and objects may nest; Sentinel's files and docker's output need a few levels.</summary>
        public const int MaxDepth = 64;

        public static object? Parse(string text) => new Reader(text).ReadDocument();

        /// <summary>A JSON string literal, escaped.</summary>
        public static string Quote(string value)
        {
            var quoted = new StringBuilder("\"");
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': quoted.Append("\\\""); break;
                    case '\\': quoted.Append("\\\\"); break;
                    case '\n': quoted.Append("\\n"); break;
                    case '\r': quoted.Append("\\r"); break;
                    case '\t': quoted.Append("\\t"); break;
                    default:
                        if (c < 0x20)
                        {
                            quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            quoted.Append(c);
                        }

                        break;
                }
            }

            return quoted.Append('"').ToString();
        }

        private sealed class Reader
        {
            private readonly string _text;
            private int _position;
            private int _line = 1;
            private int _lineStart;
            private int _depth;

            public Reader(string text)
            {
                _text = text;
            }

            public object? ReadDocument()
            {
                var value = ReadValue();
                SkipWhitespace();
                if (_position < _text.Length)
                {
                    throw Error("unexpected text after the end of the document");
                }

                return value;
            }

            private object? ReadValue()
            {
                SkipWhitespace();
                if (_position >= _text.Length)
                {
                    throw Error("unexpected end of the document");
                }

                switch (_text[_position])
                {
                    case '{': return Nested(ReadObject);
                    case '[': return Nested(ReadArray);
                    case '"': return ReadString();
                    case 't': return ReadWord("true", true);
                    case 'f': return ReadWord("false", false);
                    case 'n': return ReadWord("null", null);
                    default: return ReadNumber();
                }
            }

            private object Nested(Func<object> read)
            {
                if (++_depth > MaxDepth)
                {
                    throw Error($"arrays and objects nest more than {MaxDepth} deep");
                }

                var value = read();
                _depth--;
                return value;
            }

            private Dictionary<string, object?> ReadObject()
            {
                var members = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                _position++;
                SkipWhitespace();
                if (Peek() == '}')
                {
                    _position++;
                    return members;
                }

                while (true)
                {
                    SkipWhitespace();
                    if (Peek() != '"')
                    {
                        throw Error("expected a property name in double quotes");
                    }

                    var name = ReadString();
                    SkipWhitespace();
                    Expect(':');
                    members[name] = ReadValue();
                    SkipWhitespace();
                    if (Peek() == ',')
                    {
                        _position++;
                        continue;
                    }

                    Expect('}');
                    return members;
                }
            }

            private List<object?> ReadArray()
            {
                var items = new List<object?>();
                _position++;
                SkipWhitespace();
                if (Peek() == ']')
                {
                    _position++;
                    return items;
                }

                while (true)
                {
                    items.Add(ReadValue());
                    SkipWhitespace();
                    if (Peek() == ',')
                    {
                        _position++;
                        continue;
                    }

                    Expect(']');
                    return items;
                }
            }

            private string ReadString()
            {
                var value = new StringBuilder();
                _position++;
                while (true)
                {
                    if (_position >= _text.Length || _text[_position] == '\n')
                    {
                        throw Error("unterminated string");
                    }

                    if (_text[_position] < 0x20)
                    {
                        throw Error("a control character in a string must be escaped");
                    }

                    var c = _text[_position++];
                    if (c == '"')
                    {
                        return value.ToString();
                    }

                    if (c != '\\')
                    {
                        value.Append(c);
                        continue;
                    }

                    var escaped = _position < _text.Length ? _text[_position++] : '\0';
                    switch (escaped)
                    {
                        case '"': value.Append('"'); break;
                        case '\\': value.Append('\\'); break;
                        case '/': value.Append('/'); break;
                        case 'b': value.Append('\b'); break;
                        case 'f': value.Append('\f'); break;
                        case 'n': value.Append('\n'); break;
                        case 'r': value.Append('\r'); break;
                        case 't': value.Append('\t'); break;
                        case 'u' when IsHex(_position, 4):
                            value.Append((char)ushort.Parse(_text.Substring(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                            _position += 4;
                            break;
                        default:
                            throw Error("invalid escape in a string");
                    }
                }
            }

            private object? ReadWord(string word, object? value)
            {
                if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
                {
                    throw Error("unexpected character");
                }

                _position += word.Length;
                return value;
            }

            private double ReadNumber()
            {
                var start = _position;
                while (_position < _text.Length && "+-0123456789.eE".IndexOf(_text[_position]) >= 0)
                {
                    _position++;
                }

                if (start == _position || !double.TryParse(_text.Substring(start, _position - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    _position = start;
                    throw Error("unexpected character");
                }

                if (double.IsInfinity(number) || double.IsNaN(number))
                {
                    _position = start;
                    throw Error("a number too large for a double");
                }

                return number;
            }

            private bool IsHex(int start, int count)
            {
                if (start + count > _text.Length)
                {
                    return false;
                }

                for (var i = start; i < start + count; i++)
                {
                    if (!Uri.IsHexDigit(_text[i]))
                    {
                        return false;
                    }
                }

                return true;
            }

            private void Expect(char c)
            {
                if (Peek() != c)
                {
                    throw Error($"expected '{c}'");
                }

                _position++;
            }

            private char Peek() => _position < _text.Length ? _text[_position] : '\0';

            private void SkipWhitespace()
            {
                while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
                {
                    if (_text[_position] == '\n')
                    {
                        _line++;
                        _lineStart = _position + 1;
                    }

                    _position++;
                }
            }

            private JsonException Error(string message) => new JsonException(message, _line, _position - _lineStart + 1);
        }
    }
}
