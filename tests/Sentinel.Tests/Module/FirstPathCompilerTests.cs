using Sentinel.Module;
using Xunit;

namespace Sentinel.Tests.Module
{
    public sealed class FirstPathCompilerTests
    {
        [Fact]
        public void CompilingAheadLetsNothingEscapeToTheImport()
        {
            // It runs on the pool thread of every import: a method the runtime refuses must not turn
            // into an unobserved exception there. Running it twice shows it keeps no state either.
            FirstPathCompiler.CompileAhead();
            FirstPathCompiler.CompileAhead();
        }
    }
}
