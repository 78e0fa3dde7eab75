using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Xunit;

namespace Sentinel.Tests
{
    /// <summary>
    /// Hostile text for the parsers of what hosts and users write: structured attacks (deep nesting, huge
    /// lines and numbers, NUL, invalid UTF-8, every truncation of a valid sample) and seeded random
    /// mutations, so a failure is reproducible. Each parse must end within a time bound, which catches
    /// quadratic blow-ups and hangs as well as crashes.
    /// </summary>
    internal static class HostileInput
    {
        public const int Seed = 11_04;
        private const string Delimiters = "[]{}\"\\:,\0\n=";

        /// <summary>Generous for a single parse of a few MiB on a loaded 2-core machine (5 s was exceeded under load); a quadratic parse of the same input takes minutes.</summary>
        public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

        /// <summary>Text as a remote host's bytes decode: invalid UTF-8 becomes U+FFFD, as the output collector decodes it.</summary>
        public static string Decode(byte[] bytes) => new UTF8Encoding(false, false).GetString(bytes);

        public static IEnumerable<string> Structured(string validSample)
        {
            yield return new string('[', 100_000);
            yield return new string('{', 100_000);
            yield return string.Concat(Enumerable.Repeat("{\"a\":[", 50_000));
            yield return string.Concat(Enumerable.Repeat("[", 65)) + string.Concat(Enumerable.Repeat("]", 65));
            yield return "\"" + new string('x', 4 * 1024 * 1024);
            yield return new string(' ', 4 * 1024 * 1024) + "x";
            yield return "{\"Names\":\"" + new string('a', 4 * 1024 * 1024) + "\"}";
            yield return new string('9', 1_000_000);
            yield return "1e999999999";
            yield return "-" + new string('9', 400) + "e400";
            yield return "{\"port\":1e309}";
            yield return "\0\0\0\0";
            yield return "{\"a\0\":\"\0\"}";
            yield return Decode(new byte[] { 0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x28, 0x8C, 0xBC, 0xFF, 0xFE });
            yield return "\"\\u12\"";
            yield return "\"\\u 12a\"";
            yield return "\"\\ud800\"";
            yield return string.Concat(Enumerable.Repeat("=\n", 1_000_000));
            yield return string.Concat(Enumerable.Repeat("\n", 2_000_000));
            yield return string.Concat(Enumerable.Repeat("a", 2_000_000)) + "=" + string.Concat(Enumerable.Repeat("b", 2_000_000));
            yield return "\uFEFF" + validSample;
            for (var length = 0; length < validSample.Length; length++)
            {
                yield return validSample.Substring(0, length);
            }
        }

        /// <summary>Seeded random inputs: raw bytes, and the valid sample with bytes flipped, removed or repeated.</summary>
        public static IEnumerable<string> Random(string validSample, int count = 400)
        {
            var random = new Random(Seed);
            var sample = Encoding.UTF8.GetBytes(validSample);
            for (var i = 0; i < count; i++)
            {
                var bytes = new byte[random.Next(0, 2048)];
                random.NextBytes(bytes);
                yield return Decode(bytes);

                var mutated = sample.ToList();
                for (var change = random.Next(1, 8); change > 0 && mutated.Count > 0; change--)
                {
                    var at = random.Next(mutated.Count);
                    switch (random.Next(4))
                    {
                        case 0: mutated[at] = (byte)random.Next(256); break;
                        case 1: mutated.RemoveAt(at); break;
                        case 2: mutated.InsertRange(at, Enumerable.Repeat(mutated[at], random.Next(1, 2000))); break;
                        default: mutated.Insert(at, (byte)Delimiters[random.Next(Delimiters.Length)]); break;
                    }
                }

                yield return Decode(mutated.ToArray());
            }
        }

        /// <summary>Runs <paramref name="parse"/> on each input; each must return or throw <typeparamref name="TRefusal"/>, within the bound.</summary>
        public static void EachEndsIn<TRefusal>(IEnumerable<string> inputs, Action<string> parse)
            where TRefusal : Exception
            => EachEnds(inputs, parse, e => e is TRefusal);

        /// <summary>Runs <paramref name="parse"/> on each input; each must return, within the bound.</summary>
        public static void EachReturns(IEnumerable<string> inputs, Action<string> parse) => EachEnds(inputs, parse, e => false);

        private static void EachEnds(IEnumerable<string> inputs, Action<string> parse, Func<Exception, bool> isRefusal)
        {
            var index = 0;
            foreach (var input in inputs)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    parse(input);
                }
                catch (Exception e) when (isRefusal(e))
                {
                    // The documented way to refuse it.
                }
                catch (Exception e)
                {
                    Assert.Fail($"input {index} ({Describe(input)}) threw {e.GetType().Name}: {e.Message}");
                }

                Assert.True(clock.Elapsed < Bound, $"input {index} ({Describe(input)}) took {clock.Elapsed}");
                index++;
            }
        }

        private static string Describe(string input) =>
            $"{input.Length} chars: {new string(input.Take(40).Select(c => char.IsControl(c) ? '.' : c).ToArray())}";
    }
}
