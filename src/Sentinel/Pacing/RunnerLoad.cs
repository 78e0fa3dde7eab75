using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Threading;

namespace Sentinel.Pacing
{
    /// <summary>How long this machine (the runner) has been too busy to move a handshake along.</summary>
    internal interface IRunnerLoad
    {
        /// <summary>Time seen saturated while anyone watched, added up; only differences between two readings mean anything.</summary>
        TimeSpan SaturatedTime { get; }

        /// <summary>Keeps the measurement running until the lease is disposed; nothing is measured while nobody watches.</summary>
        IDisposable Watch();
    }

    /// <summary>
    /// Measures, ten times a second while a handshake is in flight, whether this machine is saturated:
    /// tasks waiting for a CPU at least half the time (Linux's /proc/pressure/cpu), or, where that file
    /// is missing, this process using 90% of every CPU; or this thread itself woken 50 ms late. A
    /// handshake's timeout does not count such time against the host (see <see cref="HandshakeClock"/>).
    /// </summary>
    [SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "One instance lives as long as the process, as does its measuring thread.")]
    internal sealed class RunnerLoad : IRunnerLoad
    {
        public static readonly RunnerLoad Shared = new RunnerLoad();

        private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan LateWakeUp = TimeSpan.FromMilliseconds(50);
        private const string PressureFile = "/proc/pressure/cpu";
        private const double SaturatedPressure = 0.5;
        private const double SaturatedProcessShare = 0.9;

        private readonly object _lock = new object();
        private readonly AutoResetEvent _watched = new AutoResetEvent(false);
        private int _watchers;
        private long _saturatedTicks;
        private Thread? _thread;

        public TimeSpan SaturatedTime => TimeSpan.FromTicks(Interlocked.Read(ref _saturatedTicks));

        public IDisposable Watch()
        {
            lock (_lock)
            {
                if (_watchers++ == 0)
                {
                    if (_thread == null)
                    {
                        _thread = new Thread(Measure) { IsBackground = true, Name = "Sentinel runner load" };
                        _thread.Start();
                    }

                    _watched.Set();
                }
            }

            return new Lease(this);
        }

        private void Unwatch()
        {
            lock (_lock)
            {
                _watchers--;
            }
        }

        private bool Watched
        {
            get
            {
                lock (_lock)
                {
                    return _watchers > 0;
                }
            }
        }

        private void Measure()
        {
            var clock = Stopwatch.StartNew();
            var pressureKnown = ReadPressure().HasValue;
            while (true)
            {
                if (!Watched)
                {
                    _watched.WaitOne();
                }

                var started = clock.Elapsed;
                var before = pressureKnown ? ReadPressure() ?? TimeSpan.Zero : ProcessCpu();
                Thread.Sleep(Tick);
                var took = clock.Elapsed - started;
                var busy = (pressureKnown ? ReadPressure() ?? before : ProcessCpu()) - before;
                var saturated = pressureKnown
                    ? busy.TotalSeconds / took.TotalSeconds >= SaturatedPressure
                    : busy.TotalSeconds / (took.TotalSeconds * Environment.ProcessorCount) >= SaturatedProcessShare;
                if (saturated || took - Tick >= LateWakeUp)
                {
                    Interlocked.Add(ref _saturatedTicks, took.Ticks);
                }
            }
        }

        /// <summary>The kernel's total time some task waited for a CPU ("some ... total=" in microseconds); null where there is no such file.</summary>
        private static TimeSpan? ReadPressure()
        {
            try
            {
                using (var reader = new StreamReader(PressureFile))
                {
                    var some = reader.ReadLine();
                    var total = some?.Split(' ')[4];
                    return total != null && total.StartsWith("total=", StringComparison.Ordinal)
                        ? TimeSpan.FromTicks(long.Parse(total.Substring(6), CultureInfo.InvariantCulture) * 10)
                        : (TimeSpan?)null;
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FormatException || e is IndexOutOfRangeException)
            {
                return null;
            }
        }

        private static TimeSpan ProcessCpu()
        {
            using (var self = Process.GetCurrentProcess())
            {
                return self.TotalProcessorTime;
            }
        }

        private sealed class Lease : IDisposable
        {
            private RunnerLoad? _load;

            public Lease(RunnerLoad load)
            {
                _load = load;
            }

            public void Dispose() => Interlocked.Exchange(ref _load, null)?.Unwatch();
        }
    }
}
