using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Platform;
using Sentinel.Results;
using Sentinel.Serialization;
using Sentinel.Services;

namespace Sentinel.Inventory
{
    /// <summary>
    /// The servers file: named servers with their connection details and tags, as JSON
    /// (<c>{ "servers": [ { "name": ..., "computerName": ..., ... } ] }</c>). Writes go to a temporary file
    /// that then replaces the real one, so a crash never leaves half a file; a file that does not parse is
    /// an error naming the file and line, never read as empty.
    /// </summary>
    internal static class ServerInventory
    {
        public const string EnvironmentVariable = "SENTINEL_SERVERS";
        private const int MaxFileBytes = 16 * 1024 * 1024;

        /// <summary><c>$env:SENTINEL_SERVERS</c>, else servers.json in the user's config folder (~/.config/sentinel on Linux).</summary>
        public static string DefaultPath =>
            Environment.GetEnvironmentVariable(EnvironmentVariable) is string path && path.Length > 0
                ? path
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "sentinel", "servers.json");

        /// <summary>True when the server's name matches <paramref name="pattern"/> (wildcards, any case).</summary>
        public static bool NameMatches(ServerEntry entry, string pattern) =>
            new WildcardPattern(pattern, WildcardOptions.IgnoreCase).IsMatch(entry.Name);

        /// <summary>True when the server carries at least one of <paramref name="tags"/> (any case).</summary>
        public static bool HasAnyTag(ServerEntry entry, IEnumerable<string> tags) =>
            entry.Tags.Any(t => tags.Contains(t, StringComparer.OrdinalIgnoreCase));

        public static List<ServerEntry> Load(string path)
        {
            if (Directory.Exists(path))
            {
                throw Invalid(path, "it is a folder, not a file");
            }

            if (!File.Exists(path))
            {
                return new List<ServerEntry>();
            }

            object? document;
            try
            {
                document = Json.Parse(ReadText(path));
            }
            catch (JsonException e)
            {
                throw Invalid(path, $"it is not valid JSON: {e.Message}", e);
            }

            if (!(document is Dictionary<string, object?> root) || !(root.TryGetValue("servers", out var list) && list is List<object?> servers))
            {
                throw Invalid(path, "it must be an object with a \"servers\" array");
            }

            return servers.Select((item, index) => ReadEntry(path, item, index)).ToList();
        }

        /// <summary>The file's text; a file that cannot be read, is not a regular file or is not text is InventoryInvalid.</summary>
        private static string ReadText(string path)
        {
            byte[] bytes;
            try
            {
                // A pipe or a device reports length 0: refuse it rather than block on it or read forever.
                var length = new FileInfo(path).Length;
                if (length == 0 || length > MaxFileBytes)
                {
                    throw Invalid(path, length == 0 ? "it is empty (or not a regular file)" : $"it is larger than {MaxFileBytes / (1024 * 1024)} MiB");
                }

                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is System.Security.SecurityException)
            {
                throw Invalid(path, $"it cannot be read: {e.Message}", e);
            }

            if (Array.IndexOf(bytes, (byte)0) >= 0)
            {
                throw Invalid(path, "it is not a text file (it holds NUL bytes)");
            }

            return new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF');
        }

        public static void Save(string path, IEnumerable<ServerEntry> entries)
        {
            try
            {
                Write(path, entries);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is System.Security.SecurityException)
            {
                throw InventoryErrors.Unwritable(path, e);
            }
        }

        private static void Write(string path, IEnumerable<ServerEntry> entries)
        {
            var json = new StringBuilder("{\n  \"servers\": [");
            var first = true;
            foreach (var entry in entries)
            {
                json.Append(first ? "\n" : ",\n").Append("    ").Append(ToJson(entry));
                first = false;
            }

            json.Append(first ? "]\n}\n" : "\n  ]\n}\n");
            AtomicFile.WriteAllText(path, json.ToString());
        }

        private static string ToJson(ServerEntry entry)
        {
            var fields = new List<string> { "\"name\": " + Json.Quote(entry.Name), "\"computerName\": " + Json.Quote(entry.ComputerName) };
            if (entry.Port.HasValue)
            {
                fields.Add("\"port\": " + entry.Port.Value.ToString(CultureInfo.InvariantCulture));
            }

            AddText(fields, "userName", entry.UserName);
            AddText(fields, "keyFile", entry.KeyFile);
            AddText(fields, "jumpHost", entry.JumpHost);
            if (entry.Tags.Count > 0)
            {
                fields.Add("\"tags\": [" + string.Join(", ", entry.Tags.Select(Json.Quote)) + "]");
            }

            AddText(fields, "hostKeyPolicy", entry.HostKeyPolicy?.ToString());
            if (entry.Services.Count > 0)
            {
                fields.Add("\"services\": [" + string.Join(", ", entry.Services.Select(Json.Quote)) + "]");
            }

            return "{ " + string.Join(", ", fields) + " }";
        }

        private static void AddText(List<string> fields, string name, string? value)
        {
            if (value != null)
            {
                fields.Add("\"" + name + "\": " + Json.Quote(value));
            }
        }

        private static ServerEntry ReadEntry(string path, object? item, int index)
        {
            var where = $"server {index + 1}";
            if (!(item is Dictionary<string, object?> fields))
            {
                throw Invalid(path, $"{where} is not an object");
            }

            string? Text(string name) => fields.TryGetValue(name, out var value) && value != null
                ? value as string ?? throw Invalid(path, $"{where}: \"{name}\" must be a string")
                : null;

            var name = Text("name") ?? throw Invalid(path, $"{where} has no \"name\"");
            where = $"server '{name}'";
            var entry = new ServerEntry(name, Text("computerName") ?? throw Invalid(path, $"{where} has no \"computerName\""))
            {
                UserName = Text("userName"),
                KeyFile = Text("keyFile"),
                JumpHost = Text("jumpHost"),
            };

            if (fields.TryGetValue("port", out var port) && port != null)
            {
                entry.Port = port is double number && number >= 1 && number <= 65535 && number == Math.Floor(number)
                    ? (int)number
                    : throw Invalid(path, $"{where}: \"port\" must be a whole number from 1 to 65535");
            }

            if (fields.TryGetValue("tags", out var tags) && tags != null)
            {
                entry.Tags = tags is List<object?> list && list.All(t => t is string)
                    ? list.Cast<string>().ToArray()
                    : throw Invalid(path, $"{where}: \"tags\" must be an array of strings");
            }

            if (fields.TryGetValue("services", out var services) && services != null)
            {
                // Checked like a -Name: a service name from the file ends up on a remote command line.
                entry.Services = services is List<object?> list && list.All(s => s is string name && ServiceName.IsValid(name))
                    ? list.Cast<string>().ToArray()
                    : throw Invalid(path, $"{where}: \"services\" must be an array of service names (letters, digits and : - _ . \\ @)");
            }

            if (Text("hostKeyPolicy") is string policy)
            {
                entry.HostKeyPolicy = Enum.TryParse<HostKeyPolicy>(policy, ignoreCase: true, out var parsed)
                    ? parsed
                    : throw Invalid(path, $"{where}: \"hostKeyPolicy\" must be AcceptNew, Strict or Ignore");
            }

            return entry;
        }

        private static SentinelException Invalid(string path, string problem, Exception? inner = null) => new SentinelException(
            ErrorIds.InventoryInvalid,
            ErrorCategory.InvalidData,
            path,
            $"The servers file '{path}' cannot be used: {problem}. Sentinel left it untouched.",
            "Fix the file by hand (or restore it), or point $env:SENTINEL_SERVERS at another file.",
            inner);
    }
}
