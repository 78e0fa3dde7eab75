using System;
using System.Globalization;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Sentinel.Errors;

namespace Sentinel.Inventory
{
    /// <summary>
    /// One share <c>k/n</c> of the inventory, so that n runners each watch a disjoint part. A server's
    /// shard depends only on its name (any case) and n, by rendezvous hashing: each of the n shards
    /// scores the name and the highest score wins. So every runner computes the same partition without
    /// talking to the others, adding or removing a server moves no other server, and going from n to
    /// n+1 runners moves only the servers the new shard wins (about 1 in n+1).
    /// </summary>
    internal sealed class InventoryShard
    {
        private static readonly Regex Pattern = new Regex(@"^([0-9]{1,4})/([0-9]{1,4})\z", RegexOptions.CultureInvariant);

        public InventoryShard(int index, int count)
        {
            Index = index;
            Count = count;
        }

        /// <summary>Which shard, from 1 to <see cref="Count"/>.</summary>
        public int Index { get; }

        public int Count { get; }

        /// <summary>Reads <c>k/n</c> (1 &lt;= k &lt;= n &lt;= 1024); anything else is InvalidArgument.</summary>
        public static InventoryShard Parse(string text)
        {
            var match = Pattern.Match(text ?? string.Empty);
            if (match.Success)
            {
                var index = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var count = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
                if (index >= 1 && count >= 1 && index <= count && count <= 1024)
                {
                    return new InventoryShard(index, count);
                }
            }

            throw new SentinelException(
                ErrorIds.InvalidArgument,
                ErrorCategory.InvalidArgument,
                text,
                $"'{text}' is not a shard: write k/n, the k-th of n shares, with 1 <= k <= n <= 1024 (for example 1/3).",
                "Give each of n runners its own k from 1 to n, with the same n.");
        }

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
    }
}
