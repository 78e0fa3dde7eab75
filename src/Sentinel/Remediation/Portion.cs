using System;
using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;
using Sentinel.Errors;

namespace Sentinel.Remediation
{
    /// <summary>A number of hosts given as a count (<c>3</c>) or a percentage of all of them (<c>25%</c>), as Ansible's serial takes it.</summary>
    internal sealed class Portion
    {
        private static readonly Regex Pattern = new Regex(@"^([0-9]{1,6})(%?)\z", RegexOptions.CultureInvariant);

        private Portion(int value, bool percent)
        {
            Value = value;
            IsPercent = percent;
        }

        public int Value { get; }

        public bool IsPercent { get; }

        public static Portion Count(int count) => new Portion(count, false);

        /// <summary>Reads <c>N</c> or <c>N%</c> (N at least 1, a percentage at most 100); anything else is InvalidArgument naming <paramref name="parameter"/>.</summary>
        public static Portion Parse(string text, string parameter)
        {
            var match = Pattern.Match(text ?? string.Empty);
            if (match.Success)
            {
                var value = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var percent = match.Groups[2].Value.Length > 0;
                if (value >= 1 && (!percent || value <= 100))
                {
                    return new Portion(value, percent);
                }
            }

            throw new SentinelException(
                ErrorIds.InvalidArgument,
                ErrorCategory.InvalidArgument,
                text,
                $"-{parameter} '{text}' is neither a count of hosts (1 or more) nor a percentage of them (1% to 100%).",
                $"Pass -{parameter} as a number such as 2, or a percentage such as 25%.");
        }

        /// <summary>
        /// How many hosts out of <paramref name="total"/>: a percentage rounds up, so 10% of 5 hosts is 1,
        /// and is never less than 1 host.
        /// </summary>
        public int Of(int total) => IsPercent ? Math.Max(1, (int)Math.Ceiling(total * Value / 100.0)) : Value;

        public override string ToString() => IsPercent ? $"{Value}%" : Value.ToString(CultureInfo.InvariantCulture);
    }
}
