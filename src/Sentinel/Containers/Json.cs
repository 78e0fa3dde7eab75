using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Sentinel.Containers
{
    /// <summary>
    /// A small strict JSON reader for docker's <c>--format '{{json .}}'</c> output: objects become
    /// dictionaries, arrays lists, numbers doubles. netstandard2.0 has no JSON reader, and a package
    /// for this would have to ship in both module flavours.
    /// </summary>
    internal sealed class Json
    {
        private readonly string _text;
        private int _at;

        private Json(string text)
        {
            _text = text;
        }

        public static object? Parse(string text)
        {
            var reader = new Json(text);
            var value = reader.Value();
            reader.SkipSpace();
            if (reader._at != text.Length)
            {
                throw reader.Invalid("text after the value");
            }

            return value;
        }

        private object? Value()
        {
            SkipSpace();
            if (_at >= _text.Length)
            {
                throw Invalid("a value");
            }

            switch (_text[_at])
            {
                case '{': return Object();
                case '[': return Array();
                case '"': return String();
                case 't': return Word("true", true);
                case 'f': return Word("false", false);
                case 'n': return Word("null", null);
                default: return Number();
            }
        }

        private Dictionary<string, object?> Object()
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            _at++;
            SkipSpace();
            if (Peek() == '}')
            {
                _at++;
                return result;
            }

            while (true)
            {
                SkipSpace();
                if (Peek() != '"')
                {
                    throw Invalid("a property name");
                }

                var key = String();
                SkipSpace();
                Expect(':');
                result[key] = Value();
                SkipSpace();
                if (Peek() == ',')
                {
                    _at++;
                    continue;
                }

                Expect('}');
                return result;
            }
        }

        private List<object?> Array()
        {
            var result = new List<object?>();
            _at++;
            SkipSpace();
            if (Peek() == ']')
            {
                _at++;
                return result;
            }

            while (true)
            {
                result.Add(Value());
                SkipSpace();
                if (Peek() == ',')
                {
                    _at++;
                    continue;
                }

                Expect(']');
                return result;
            }
        }

        private string String()
        {
            _at++;
            var builder = new StringBuilder();
            while (_at < _text.Length)
            {
                var c = _text[_at++];
                if (c == '"')
                {
                    return builder.ToString();
                }

                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                if (_at >= _text.Length)
                {
                    break;
                }

                var escape = _text[_at++];
                switch (escape)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (_at + 4 > _text.Length || !ushort.TryParse(_text.Substring(_at, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                        {
                            throw Invalid("four hex digits after \\u");
                        }

                        builder.Append((char)code);
                        _at += 4;
                        break;
                    default:
                        throw Invalid("a valid escape");
                }
            }

            throw Invalid("the end of a string");
        }

        private object? Word(string word, object? value)
        {
            if (string.CompareOrdinal(_text, _at, word, 0, word.Length) != 0)
            {
                throw Invalid(word);
            }

            _at += word.Length;
            return value;
        }

        private double Number()
        {
            var start = _at;
            while (_at < _text.Length && "+-0123456789.eE".IndexOf(_text[_at]) >= 0)
            {
                _at++;
            }

            if (!double.TryParse(_text.Substring(start, _at - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                _at = start;
                throw Invalid("a value");
            }

            return number;
        }

        private char Peek() => _at < _text.Length ? _text[_at] : '\0';

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw Invalid("'" + c + "'");
            }

            _at++;
        }

        private void SkipSpace()
        {
            while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
            {
                _at++;
            }
        }

        private FormatException Invalid(string expected) => new FormatException($"Invalid JSON at character {_at}: expected {expected}.");
    }
}
