using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Sentinel.Errors;

namespace Sentinel.Inventory
{
    /// <summary>
    /// One share <c>k/n</c> of the hosts, so that n runners each work on a disjoint part. A host's
    /// shard depends only on its name (any case) and n, by rendezvous hashing: each of the n shards
    /// scores the name and the highest score wins. So every runner computes the same partition without
    /// talking to the others, adding or removing a host moves no other host, and going from n to
    /// n+1 runners moves only the hosts the new shard wins (about 1 in n+1). k counts from 1, as
    /// GitLab's CI_NODE_INDEX and Azure's SYSTEM_JOBPOSITIONINPHASE do; the 0-based indexes of
    /// Kubernetes and Nomad are read as k-1.
    /// </summary>
    internal sealed class InventoryShard
    {
        /// <summary>What <c>-Shard Auto</c> reads the shard from.</summary>
        public const string Auto = "Auto";

        /// <summary>Shards at most: enough runners for any fleet, and the hash scores each name once per shard.</summary>
        public const int MaxCount = 1024;

        private static readonly Regex Pattern = new Regex(@"^([0-9]{1,4})/([0-9]{1,4})\z", RegexOptions.CultureInvariant);
        private static readonly Regex Number = new Regex(@"^[0-9]{1,9}\z", RegexOptions.CultureInvariant);

        /// <summary>The schedulers -Shard Auto knows, in the order it looks for them: those that give the total first.</summary>
        private static readonly Scheduler[] Schedulers =
        {
            new Scheduler("GitLab CI parallel", "CI_NODE_INDEX", "CI_NODE_TOTAL", 1),
            new Scheduler("Azure Pipelines parallel", "SYSTEM_JOBPOSITIONINPHASE", "SYSTEM_TOTALJOBSINPHASE", 1),
            new Scheduler("Kubernetes Indexed Job", "JOB_COMPLETION_INDEX", null, 0),
            new Scheduler("Nomad", "NOMAD_ALLOC_INDEX", null, 0),
        };

        public InventoryShard(int index, int count, string? source = null)
        {
            Index = index;
            Count = count;
            Source = source ?? $"{index}/{count}";
        }

        /// <summary>Which shard, from 1 to <see cref="Count"/>.</summary>
        public int Index { get; }

        public int Count { get; }

        /// <summary>Where the shard came from, for verbose output: "2/4", or the scheduler and its variables.</summary>
        public string Source { get; }

        /// <summary>Reads <c>k/n</c> (1 &lt;= k &lt;= n &lt;= 1024); anything else is InvalidArgument.</summary>
        public static InventoryShard Parse(string text)
        {
            var match = Pattern.Match(text ?? string.Empty);
            if (match.Success)
            {
                var index = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var count = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
                if (index >= 1 && count >= 1 && index <= count && count <= MaxCount)
                {
                    return new InventoryShard(index, count);
                }
            }

            throw Invalid(
                $"'{text}' is not a shard: write k/n, the k-th of n shares counting from 1, with 1 <= k <= n <= {MaxCount} (for example 1/3), or Auto.",
                "Give each of n runners its own k from 1 to n, with the same n; or pass -Shard Auto where the scheduler sets the index.");
        }

        /// <summary>The shard -Shard and -ShardCount name, null without either; -ShardCount alone is InvalidArgument.</summary>
        public static InventoryShard? FromParameters(string? shard, int? shardCount, Func<string, string?> environment)
        {
            if (shard == null)
            {
                return shardCount == null ? null : throw Invalid("-ShardCount was given without -Shard.", "Add -Shard Auto (the scheduler's index) or -Shard k/n.");
            }

            return Choose(shard, shardCount, environment);
        }

        /// <summary>
        /// The shard -Shard and -ShardCount name: <c>k/n</c>, or <c>Auto</c> read from the scheduler's
        /// variables through <paramref name="environment"/>; -ShardCount gives the total the scheduler does
        /// not (Kubernetes, Nomad) and must agree with one that is given. Anything else is InvalidArgument.
        /// </summary>
        public static InventoryShard Choose(string shard, int? shardCount, Func<string, string?> environment)
        {
            if (!string.Equals(shard, Auto, StringComparison.OrdinalIgnoreCase))
            {
                var given = Parse(shard);
                if (shardCount != null && shardCount != given.Count)
                {
                    throw Invalid($"-ShardCount {shardCount} disagrees with -Shard {shard}, which says {given.Count} shards.", "Pass one or the other: -Shard k/n says the total already.");
                }

                return given;
            }

            var scheduler = Schedulers.FirstOrDefault(s => !string.IsNullOrEmpty(environment(s.IndexVariable)));
            if (scheduler == null)
            {
                throw Invalid(
                    "-Shard Auto found no scheduler's shard index in the environment: none of " + string.Join(", ", Schedulers.Select(s => s.IndexVariable)) + " is set.",
                    "Run it as a Kubernetes Indexed Job, a GitLab job with parallel:, an Azure Pipelines job with parallel, or a Nomad job (each with -ShardCount n where the scheduler gives no total); elsewhere pass -Shard k/n.");
            }

            var index = Integer(environment, scheduler.IndexVariable);
            var variables = $"{scheduler.IndexVariable}={index}";
            int count;
            if (scheduler.TotalVariable != null && !string.IsNullOrEmpty(environment(scheduler.TotalVariable)))
            {
                count = Integer(environment, scheduler.TotalVariable);
                variables += $", {scheduler.TotalVariable}={count}";
                if (shardCount != null && shardCount != count)
                {
                    throw Invalid($"-ShardCount {shardCount} disagrees with {scheduler.Name}'s {scheduler.TotalVariable}={count}.", "Leave -ShardCount out: the scheduler gives the total.");
                }
            }
            else if (shardCount != null)
            {
                count = shardCount.Value;
                variables += $", -ShardCount {count}";
            }
            else
            {
                throw Invalid(
                    $"-Shard Auto read {variables} ({scheduler.Name}), but {scheduler.Name} gives no total: the number of shards is unknown.",
                    scheduler.TotalVariable == null
                        ? "Pass -ShardCount n, the job's completions (Kubernetes) or count (Nomad)."
                        : $"Pass -ShardCount n, or set {scheduler.TotalVariable}.");
            }

            var k = index - scheduler.FirstIndex + 1;
            if (count < 1 || count > MaxCount || k < 1 || k > count)
            {
                throw Invalid(
                    $"-Shard Auto read {variables} ({scheduler.Name}): the index must be from {scheduler.FirstIndex} to {count - 1 + scheduler.FirstIndex}, and the total from 1 to {MaxCount}.",
                    "Give -ShardCount the number of shards the scheduler runs (Kubernetes: completions; Nomad: count).");
            }

            return new InventoryShard(k, count, $"{k}/{count} from {scheduler.Name} ({variables})");
        }

        private static int Integer(Func<string, string?> environment, string variable)
        {
            var text = environment(variable) ?? string.Empty;
            if (!Number.IsMatch(text))
            {
                throw Invalid($"-Shard Auto read {variable}='{text}', which is not a whole number.", $"Check what sets {variable}.");
            }

            return int.Parse(text, CultureInfo.InvariantCulture);
        }

        private static SentinelException Invalid(string message, string action) =>
            new SentinelException(ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, null, message, action);

        public bool Contains(string serverName) => ShardOf(serverName, Count) == Index;

        /// <summary>The shard (1..<paramref name="count"/>) a server name belongs to.</summary>
        public static int ShardOf(string serverName, int count)
        {
            var name = serverName.ToLowerInvariant();
            var best = 0;
            ulong bestScore = 0;
            for (var shard = 1; shard <= count; shard++)
            {
                var score = Score(name, shard);
                if (best == 0 || score > bestScore)
                {
                    best = shard;
                    bestScore = score;
                }
            }

            return best;
        }

        // SHA-256, not string.GetHashCode: that one is randomised per process, and every runner must agree.
        private static ulong Score(string name, int shard)
        {
            using (var sha = SHA256.Create())
            {
                var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(shard.ToString(CultureInfo.InvariantCulture) + "\n" + name));
                return BitConverter.ToUInt64(hash, 0);
            }
        }

        public override string ToString() => $"{Index}/{Count}";

        private sealed class Scheduler
        {
            public Scheduler(string name, string indexVariable, string? totalVariable, int firstIndex)
            {
                Name = name;
                IndexVariable = indexVariable;
                TotalVariable = totalVariable;
                FirstIndex = firstIndex;
            }

            public string Name { get; }

            public string IndexVariable { get; }

            public string? TotalVariable { get; }

            public int FirstIndex { get; }
        }
    }
}
