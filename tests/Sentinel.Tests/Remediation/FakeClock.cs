using System;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Remediation;

namespace Sentinel.Tests.Remediation
{
    /// <summary>Virtual time: a delay moves the clock forward at once. BeforeAdvance lets a test settle background work first.</summary>
    internal sealed class FakeClock : IClock
    {
        private long _ticks = new DateTime(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc).Ticks;

        public DateTime UtcNow => new DateTime(Interlocked.Read(ref _ticks), DateTimeKind.Utc);

        public Func<Task>? BeforeAdvance { get; set; }

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (BeforeAdvance != null)
            {
                await BeforeAdvance().ConfigureAwait(false);
            }

            Advance(delay);
            await Task.Yield();
        }
    }
}
