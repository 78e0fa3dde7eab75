using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Sentinel.Connections;

namespace Sentinel.HostKeys
{
    /// <summary>One key line of an OpenSSH known_hosts file.</summary>
    internal sealed class KnownHostEntry
    {
        public KnownHostEntry(string hosts, string keyType, byte[] key, bool revoked, int lineNumber)
        {
            Hosts = hosts;
            KeyType = keyType;
            Key = key;
            Revoked = revoked;
            LineNumber = lineNumber;
        }

        /// <summary>The host field: comma-separated patterns, or one hashed name <c>|1|salt|hmac</c>.</summary>
        public string Hosts { get; }

        public string KeyType { get; }

        public byte[] Key { get; }

        /// <summary>A <c>@revoked</c> line: this key must never be accepted.</summary>
        public bool Revoked { get; }

        public int LineNumber { get; }

        public bool Matches(string lookupName)
        {
            if (Hosts.StartsWith("|1|", StringComparison.Ordinal))
            {
                return HashedNameMatches(Hosts, lookupName);
            }

            return HostPatterns.Matches(Hosts.Split(','), lookupName);
        }

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
    /// <c>[host]:port</c> names and <c>@revoked</c> markers. Lines it does not understand
    /// (<c>@cert-authority</c>, garbage) are skipped, as ssh skips them.
    /// </summary>
    internal sealed class KnownHostsFile
    {
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

        public static KnownHostsFile Load(string path)
        {
            var entries = new List<KnownHostEntry>();
            if (File.Exists(path))
            {
                var lineNumber = 0;
                foreach (var line in File.ReadAllLines(path))
                {
                    lineNumber++;
                    var entry = ParseLine(line, lineNumber);
                    if (entry != null)
                    {
                        entries.Add(entry);
                    }
                }
            }

            return new KnownHostsFile(path, entries);
        }

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
            var fields = line.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith("#", StringComparison.Ordinal))
            {
                return null;
            }

            var revoked = false;
            if (fields[0].StartsWith("@", StringComparison.Ordinal))
            {
                if (fields[0] != "@revoked")
                {
                    return null; // @cert-authority: host certificates are not supported yet.
                }

                revoked = true;
                fields = fields.Skip(1).ToArray();
            }

            if (fields.Length < 3)
            {
                return null;
            }

            try
            {
                return new KnownHostEntry(fields[0], fields[1], Convert.FromBase64String(fields[2]), revoked, lineNumber);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
