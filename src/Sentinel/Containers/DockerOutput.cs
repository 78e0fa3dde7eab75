using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using Sentinel.Results;
using Sentinel.Serialization;

namespace Sentinel.Containers
{
    /// <summary>
    /// Reads docker's JSON output (one object per line from ps, one object from inspect), never its
    /// columns. Output that is not what docker prints (not JSON, nested too deep, a line without an id
    /// or a name) is a FormatException, which the caller turns into that host's error.
    /// </summary>
    internal static class DockerOutput
    {
        /// <summary>Lists every container, untruncated, one JSON object per line.</summary>
        public const string PsCommand = "docker ps --all --no-trunc --format '{{json .}}'";

        public static List<ContainerStatus> ParsePs(string computerName, string output)
        {
            var containers = new List<ContainerStatus>();
            foreach (var raw in output.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                if (!(Json.Parse(line) is Dictionary<string, object?> fields))
                {
                    throw new FormatException("docker ps printed a line that is not a JSON object.");
                }

                var id = Text(fields, "ID");
                var names = Text(fields, "Names");
                if (id.Length == 0 || names.Length == 0)
                {
                    throw new FormatException("docker ps printed a line without a container id or name.");
                }

                containers.Add(new ContainerStatus(
                    computerName,
                    names,
                    id,
                    Text(fields, "Image"),
                    Text(fields, "State"),
                    Text(fields, "Status"),
                    Text(fields, "Ports")));
            }

            return containers;
        }

        /// <summary>The fields of <c>docker inspect --format '{{json .State}}'</c> that a restart's check needs.</summary>
        public static (string Status, bool Running, DateTime? StartedAt) ParseInspectState(string output)
        {
            if (!(Json.Parse(output.Trim()) is Dictionary<string, object?> state))
            {
                throw new FormatException("docker inspect did not print a JSON object.");
            }

            return (Text(state, "Status"), state.TryGetValue("Running", out var running) && running is bool b && b, ParseTimestamp(Text(state, "StartedAt")));
        }

        /// <summary>docker's RFC 3339 time with up to nanoseconds ("2026-11-25T01:50:03.123456789Z"); its zero time means never.</summary>
        public static DateTime? ParseTimestamp(string text)
        {
            var match = Rfc3339.Match(text);
            if (!match.Success)
            {
                return null;
            }

            // .NET reads at most 7 fractional digits.
            var fraction = match.Groups[2].Value;
            var normalised = match.Groups[1].Value + (fraction.Length > 8 ? fraction.Substring(0, 8) : fraction) + match.Groups[3].Value;
            if (!DateTime.TryParse(normalised, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var when) || when.Year <= 1)
            {
                return null;
            }

            return DateTime.SpecifyKind(when, DateTimeKind.Utc);
        }

        private static readonly Regex Rfc3339 = new Regex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)\z", RegexOptions.CultureInvariant);

        /// <summary>Whether <paramref name="name"/> names this container: one of its names, or its id or an id prefix of 12 or more.</summary>
        public static bool Matches(ContainerStatus container, string name) =>
            Array.IndexOf(container.Name.Split(','), name) >= 0 ||
            (name.Length >= 12 && container.Id.StartsWith(name, StringComparison.OrdinalIgnoreCase));

        private static string Text(Dictionary<string, object?> fields, string key) =>
            fields.TryGetValue(key, out var value) && value is string text ? text : string.Empty;
    }
}
