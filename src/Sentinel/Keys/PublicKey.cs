using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Sentinel.HostKeys;

namespace Sentinel.Keys
{
    /// <summary>
    /// A public key as a .pub file and authorized_keys hold it: type, blob, comment. Everything here
    /// parses text Sentinel did not write (a user's file, a host's authorized_keys), so nothing throws
    /// and every length is bounded.
    /// </summary>
    internal sealed class PublicKey
    {
        /// <summary>A .pub file is one line; an RSA 16384-bit key's line is about 2.8 KB.</summary>
        public const int MaxFileLength = 16 * 1024;

        private const int MaxCommentLength = 1024;

        private static readonly char[] Blanks = { ' ', '\t' };

        // The key types Sentinel can log in with, so the proof connection can use the key.
        private static readonly HashSet<string> KnownTypes = new HashSet<string>(StringComparer.Ordinal)
        {
            "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
        };

        // C0 and C1 controls and DEL, but not tab: a line of authorized_keys must stay one line of text.
        private static readonly char[] ControlCharacters = Enumerable.Range(0, 0xA0).Where(c => char.IsControl((char)c) && c != '\t').Select(c => (char)c).ToArray();

        private PublicKey(string keyType, byte[] blob, string comment)
        {
            KeyType = keyType;
            Blob = blob;
            Comment = comment;
        }

        public string KeyType { get; }

        /// <summary>The key in SSH wire format.</summary>
        public byte[] Blob { get; }

        public string Comment { get; }

        public string Fingerprint => HostKeys.Fingerprint.Sha256(Blob);

        /// <summary>The line as authorized_keys gets it: type, base64, comment; never any options.</summary>
        public string Line => KeyType + " " + Convert.ToBase64String(Blob) + (Comment.Length > 0 ? " " + Comment : string.Empty);

        /// <summary>Whether both are the same key (type and blob), whatever their comments.</summary>
        public bool SameKey(PublicKey other) => KeyType == other.KeyType && Blob.SequenceEqual(other.Blob);

        /// <summary>
        /// Reads a .pub file's text: exactly one line (a final newline allowed) "TYPE BASE64 [comment]" with
        /// a type Sentinel knows, a blob that decodes, names the same type and holds a well-formed key,
        /// and a comment without control characters. Returns null with the reason otherwise.
        /// </summary>
        public static PublicKey? ParseFile(string text, out string reason)
        {
            if (text.Length > MaxFileLength)
            {
                reason = $"it is longer than {MaxFileLength} characters";
                return null;
            }

            var body = text.EndsWith("\r\n", StringComparison.Ordinal) ? text.Substring(0, text.Length - 2)
                : text.EndsWith("\n", StringComparison.Ordinal) ? text.Substring(0, text.Length - 1)
                : text;
            if (body.Trim().Length == 0)
            {
                reason = "it is empty";
                return null;
            }

            var at = body.IndexOfAny(ControlCharacters);
            if (at >= 0)
            {
                var control = body[at];
                reason = control == '\n' || control == '\r'
                    ? "it has more than one line (a .pub file holds one key)"
                    : $"it contains the control character U+{(int)control:X4}";
                return null;
            }

            var fields = body.Trim().Split(Blanks, 3, StringSplitOptions.RemoveEmptyEntries);
            if (!KnownTypes.Contains(fields[0]))
            {
                reason = $"'{Shorten(fields[0])}' is not a key type Sentinel installs (options before the key are not accepted either)";
                return null;
            }

            if (fields.Length < 2)
            {
                reason = "the key's base64 data is missing";
                return null;
            }

            var comment = fields.Length == 3 ? fields[2].Trim() : string.Empty;
            if (comment.Length > MaxCommentLength)
            {
                reason = $"its comment is longer than {MaxCommentLength} characters";
                return null;
            }

            return FromFields(fields[0], fields[1], comment, out reason);
        }

        /// <summary>
        /// The key of one authorized_keys line, as sshd reads it (auth2-pubkeyfile.c): blank and '#' lines
        /// hold none; the key is at the start, or after an options field (quoted parts may hold spaces).
        /// Null when the line holds no key Sentinel recognises.
        /// </summary>
        public static PublicKey? FromAuthorizedKeysLine(string line)
        {
            var trimmed = line.TrimEnd('\r').TrimStart(' ', '\t');
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                return null;
            }

            return FromKeyAt(trimmed) ?? FromKeyAt(SkipOptions(trimmed));
        }

        /// <summary>The keys among the lines of an authorized_keys file.</summary>
        public static IEnumerable<PublicKey> FromAuthorizedKeys(string text) =>
            text.Split('\n').Select(FromAuthorizedKeysLine).Where(key => key != null).Select(key => key!);

        private static PublicKey? FromKeyAt(string text)
        {
            var fields = text.Split(Blanks, 3, StringSplitOptions.RemoveEmptyEntries);
            return fields.Length >= 2 && KnownTypes.Contains(fields[0]) ? FromFields(fields[0], fields[1], string.Empty, out _) : null;
        }

        /// <summary>The text after an options field: up to the first blank outside double quotes (a backslash escapes a quote).</summary>
        private static string SkipOptions(string text)
        {
            var quoted = false;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\\' && quoted && i + 1 < text.Length && text[i + 1] == '"')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (!quoted && (c == ' ' || c == '\t'))
                {
                    return text.Substring(i).TrimStart(' ', '\t');
                }
            }

            return string.Empty;
        }

        private static PublicKey? FromFields(string keyType, string base64, string comment, out string reason)
        {
            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(base64);
            }
            catch (FormatException)
            {
                reason = "the key's data is not valid base64";
                return null;
            }

            if (SshKeyBlob.KeyType(blob) != keyType)
            {
                reason = $"the key's data does not hold a {keyType} key";
                return null;
            }

            if (!WellFormed(keyType, blob))
            {
                reason = $"the {keyType} key's data is malformed (wrong lengths or trailing bytes)";
                return null;
            }

            reason = string.Empty;
            return new PublicKey(keyType, blob, comment);
        }

        /// <summary>The blob's fields after the type name have the lengths the key type requires, and nothing follows.</summary>
        private static bool WellFormed(string keyType, byte[] blob)
        {
            var reader = new WireReader(blob);
            reader.Next(); // the type name, already checked
            switch (keyType)
            {
                case "ssh-ed25519":
                    return reader.Next()?.Length == 32 && reader.AtEnd;
                case "ssh-rsa":
                    var exponent = reader.Next();
                    var modulus = reader.Next();
                    return exponent != null && exponent.Length > 0 && modulus != null && modulus.Length >= 128 && reader.AtEnd;
                default:
                    var curve = reader.Next();
                    var point = reader.Next();
                    var expected = keyType == "ecdsa-sha2-nistp256" ? 65 : keyType == "ecdsa-sha2-nistp384" ? 97 : 133;
                    return curve != null && Encoding.ASCII.GetString(curve) == keyType.Substring("ecdsa-sha2-".Length)
                        && point != null && point.Length == expected && point[0] == 4 && reader.AtEnd;
            }
        }

        private static string Shorten(string text) => text.Length <= 40 ? text : text.Substring(0, 40) + "...";

        /// <summary>Reads SSH strings from a blob; a length past the end gives null.</summary>
        private sealed class WireReader
        {
            private readonly byte[] _data;
            private int _offset;

            public WireReader(byte[] data)
            {
                _data = data;
            }

            public bool AtEnd => _offset == _data.Length;

            public byte[]? Next()
            {
                if (_data.Length - _offset < 4)
                {
                    return null;
                }

                var length = ((uint)_data[_offset] << 24) | ((uint)_data[_offset + 1] << 16) | ((uint)_data[_offset + 2] << 8) | _data[_offset + 3];
                if (length > (uint)(_data.Length - _offset - 4))
                {
                    return null;
                }

                var value = new byte[length];
                Array.Copy(_data, _offset + 4, value, 0, (int)length);
                _offset += 4 + (int)length;
                return value;
            }
        }
    }
}
