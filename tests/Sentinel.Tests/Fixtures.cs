using System;
using System.IO;

namespace Sentinel.Tests
{
    /// <summary>Reads the captured tool outputs in tests/fixtures (copied beside the test assembly).</summary>
    internal static class Fixtures
    {
        public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", name));
    }
}
