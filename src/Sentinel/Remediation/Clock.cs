using System;
using System.Threading;
using System.Threading.Tasks;

namespace Sentinel.Remediation
{
    /// <summary>Time for the remediation engine, so that budgets, back-off and settle times are tested without waiting.</summary>
    internal interface IClock
    {
        DateTime UtcNow { get; }

        Task Delay(TimeSpan delay, CancellationToken cancellationToken);
    }

    internal sealed class SystemClock : IClock
    {
        public static readonly SystemClock Instance = new SystemClock();

        public DateTime UtcNow => DateTime.UtcNow;

        public Task Delay(TimeSpan delay, CancellationToken cancellationToken) =>
            delay > TimeSpan.Zero ? Task.Delay(delay, cancellationToken) : Task.CompletedTask;
    }
}
