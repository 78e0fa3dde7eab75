using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Management.Automation;
using Sentinel.Connections;
using Sentinel.Errors;

namespace Sentinel.HostKeys
{
    /// <summary>One key line of an OpenSSH known_hosts file.</summary>
    internal sealed class KnownHostEntry
    {
        public KnownHostEntry(string hosts, string keyType, byte[] key, bool revoked, int lineNumber, bool certificateAuthority = false)
        {
            Hosts = hosts;
            KeyType = keyType;
            Key = key;
            Revoked = revoked;
            LineNumber = lineNumber;
            CertificateAuthority = certificateAuthority;
        }

        /// <summary>The host field: comma-separated patterns, or one hashed name <c>|1|salt|hmac</c>.</summary>
        public string Hosts { get; }

        /// <summary>The key type named in the key blob itself (<c>ssh-rsa</c>, never a signature algorithm).</summary>
        public string KeyType { get; }

        public byte[] Key { get; }

        /// <summary>A <c>@revoked</c> line: this key must never be accepted.</summary>
        public bool Revoked { get; }

        /// <summary>A <c>@cert-authority</c> line: the key of a CA whose host certificates are trusted for these hosts.</summary>
        public bool CertificateAuthority { get; }

        /// <summary>A host key this line vouches for directly: neither revoked nor a CA.</summary>
        public bool IsHostKey => !Revoked && !CertificateAuthority;

        public int LineNumber { get; }

        public bool Matches(string lookupName)
        {
            if (Hosts.StartsWith("|1|", StringComparison.Ordinal))
            {
                return HashedNameMatches(Hosts, lookupName);
            }

            return HostPatterns.Matches(Hosts.Split(','), lookupName);
        }

        [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "OpenSSH hashes known_hosts names with HMAC-SHA1 (HashKnownHosts); matching a line written that way takes the same HMAC.")]
        private static bool HashedNameMatches(string hashed, string lookupName)
        {
            var parts = hashed.Split('|');
            if (parts.Length != 4)
            {
                return false;
            }

            try
            {
                var salt = Convert.FromBase64String(parts[2]);
                var expected = Convert.FromBase64String(parts[3]);
                using (var hmac = new HMACSHA1(salt))
                {
                    return hmac.ComputeHash(Encoding.UTF8.GetBytes(lookupName)).SequenceEqual(expected);
                }
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Reads and appends OpenSSH known_hosts files: plain, wildcard, negated and hashed host fields,
    /// <c>[host]:port</c> names and <c>@revoked</c> and <c>@cert-authority</c> markers. Lines it does not
    /// understand (other markers, garbage, a key whose blob disagrees with its type field) are skipped, as
    /// ssh skips them; hostile content (binary, huge lines, endless files) never crashes or hangs it.
    /// </summary>
    internal sealed class KnownHostsFile
    {
        /// <summary>No known_hosts line is this long: an RSA 16384-bit key is under 3 KB of base64.</summary>
        internal const int MaxLineChars = 64 * 1024;

        /// <summary>Far above a known_hosts file of a hundred thousand hosts.</summary>
        internal const long MaxFileChars = 256L * 1024 * 1024;

        private static readonly char[] Blanks = { ' ', '\t' };

        private KnownHostsFile(string path, IReadOnlyList<KnownHostEntry> entries)
        {
            Path = path;
            Entries = entries;
        }

        public string Path { get; }

        public IReadOnlyList<KnownHostEntry> Entries { get; }

        /// <summary>The name known_hosts uses for a host: <c>host</c> on port 22, <c>[host]:port</c> otherwise.</summary>
        public static string LookupName(string computerName, int port)
        {
            var host = computerName.ToLowerInvariant();
            return port == 22 ? host : "[" + host + "]:" + port.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>
        /// Reads the file; a missing file is empty. A file that cannot be read (a folder, no permission,
        /// larger than <see cref="MaxFileChars"/>) is a Sentinel.KnownHostsUnreadable error for
        /// <paramref name="computerName"/>: checking a host key against a file Sentinel could not read would be a guess.
        /// </summary>
        public static KnownHostsFile Load(string path, string computerName)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    throw Unreadable(path, computerName, "it is a folder");
                }

                if (!File.Exists(path))
                {
                    return new KnownHostsFile(path, Array.Empty<KnownHostEntry>());
                }

                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                using (var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false))
                {
                    return new KnownHostsFile(path, Parse(reader, path, computerName));
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is ArgumentException || e is System.Security.SecurityException)
            {
                throw Unreadable(path, computerName, e.Message, e);
            }
        }

        /// <summary>
        /// Reads lines in bounded pieces: a line longer than <see cref="MaxLineChars"/> (no key is) is
        /// skipped without being held whole, and the file as a whole may not exceed <see cref="MaxFileChars"/>,
        /// so an endless or enormous file (a device, a hostile file) ends in an error instead of eating memory.
        /// </summary>
        private static List<KnownHostEntry> Parse(TextReader reader, string path, string computerName)
        {
            var entries = new List<KnownHostEntry>();
            var buffer = new char[64 * 1024];
            var line = new StringBuilder();
            var overlong = false;
            var lineNumber = 1;
            long total = 0;
            int read;
            while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += read;
                if (total > MaxFileChars)
                {
                    throw Unreadable(path, computerName, $"it is larger than {MaxFileChars / (1024 * 1024)} MiB");
                }

                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] != '\n')
                    {
                        continue;
                    }

                    Take(buffer, start, i - start);
                    EndLine();
                    start = i + 1;
                }

                Take(buffer, start, read - start);
            }

            EndLine();
            return entries;

            void Take(char[] chars, int from, int count)
            {
                if (overlong || line.Length + count > MaxLineChars)
                {
                    overlong = true;
                    line.Clear();
                    return;
                }

                line.Append(chars, from, count);
            }

            void EndLine()
            {
                var entry = overlong ? null : ParseLine(line.ToString(), lineNumber);
                if (entry != null)
                {
                    entries.Add(entry);
                }

                line.Clear();
                overlong = false;
                lineNumber++;
            }
        }

        private static SentinelException Unreadable(string path, string computerName, string reason, Exception? inner = null) => new SentinelException(
            ErrorIds.KnownHostsUnreadable,
            ErrorCategory.ReadError,
            computerName,
            $"Sentinel could not read the known_hosts file '{path}' to check the host key of {computerName}: {reason}.",
            "Make the known_hosts file a readable file, or pass -KnownHostsFile with another path.",
            inner);

        public IEnumerable<KnownHostEntry> EntriesFor(string lookupName) => Entries.Where(e => e.Matches(lookupName));

        /// <summary>Appends a key in OpenSSH's plain format, creating the file and its folder as ssh would.</summary>
        public static void Append(string path, string lookupName, string keyType, byte[] key)
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
                Platform.UnixPermissions.TrySet(folder!, Convert.ToInt32("700", 8));
            }

            var line = lookupName + " " + keyType + " " + Convert.ToBase64String(key) + "\n";
            var needsNewline = File.Exists(path) && new FileInfo(path).Length > 0 && !EndsWithNewline(path);
            File.AppendAllText(path, (needsNewline ? "\n" : string.Empty) + line, new UTF8Encoding(false));
        }

        private static bool EndsWithNewline(string path)
        {
            using (var stream = File.OpenRead(path))
            {
                stream.Seek(-1, SeekOrigin.End);
                return stream.ReadByte() == '\n';
            }
        }

        private static KnownHostEntry? ParseLine(string line, int lineNumber)
        {
            var fields = line.Trim().Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith("#", StringComparison.Ordinal))
            {
                return null;
            }

            var revoked = false;
            var authority = false;
            if (fields[0].StartsWith("@", StringComparison.Ordinal))
            {
                revoked = fields[0] == "@revoked";
                authority = fields[0] == "@cert-authority";
                if (!revoked && !authority)
                {
                    return null;
                }

                fields = fields.Skip(1).ToArray();
            }

            if (fields.Length < 3)
            {
                return null;
            }

            byte[] key;
            try
            {
                key = Convert.FromBase64String(fields[2]);
            }
            catch (FormatException)
            {
                return null;
            }

            // The type comes from the key itself; the line's type field must agree with it, as ssh's
            // sshkey_read insists. A signature name there (rsa-sha2-512, written by Sentinel before it
            // took the type from the blob) stands for its key type, as it does for ssh.
            var keyType = SshKeyBlob.KeyType(key);
            var typeAgrees = fields[1] == keyType || (keyType == "ssh-rsa" && !SshKeyBlob.IsCertificate(fields[1]) && SshKeyBlob.PlainKeyType(fields[1]) == keyType);
            if (keyType == null || !typeAgrees || (authority && SshKeyBlob.IsCertificate(keyType)))
            {
                return null;
            }

            return new KnownHostEntry(fields[0], keyType, key, revoked, lineNumber, authority);
        }
    }
}
