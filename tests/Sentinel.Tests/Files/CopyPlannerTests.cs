using System.Linq;
using Sentinel.Files;
using Xunit;

namespace Sentinel.Tests.Files
{
    /// <summary>Where each source goes, by cp's rules.</summary>
    public sealed class CopyPlannerTests
    {
        private static CopySource File(string path) => new CopySource(path, path.Substring(path.LastIndexOf('/') + 1), EntryKind.File);

        private static CopySource Tree(string path) => new CopySource(path, path.Substring(path.LastIndexOf('/') + 1), EntryKind.Directory, new[]
        {
            new TreeEntry(path + "/etc", "etc", EntryKind.Directory),
            new TreeEntry(path + "/etc/a.conf", "etc/a.conf", EntryKind.File),
            new TreeEntry(path + "/link", "link", EntryKind.Other),
        });

        private static CopyPlan Plan(DestinationKind kind, bool recurse, string destination, params CopySource[] sources) =>
            CopyPlanner.Plan(sources, destination, kind, recurse, RemotePath.Combine);

        [Fact]
        public void PutsAFileIntoAnExistingDirectoryUnderItsName()
        {
            var plan = Plan(DestinationKind.Directory, false, "/etc/nginx", File("/src/nginx.conf"));
            Assert.Equal("/etc/nginx/nginx.conf", Assert.Single(plan.Files).Target);
        }

        [Theory]
        [InlineData("Missing")]
        [InlineData("File")]
        public void PutsASingleFileOnTheDestinationItself(string kind)
        {
            var plan = Plan((DestinationKind)System.Enum.Parse(typeof(DestinationKind), kind), false, "/etc/nginx/site.conf", File("/src/other-name.conf"));
            Assert.Equal("/etc/nginx/site.conf", Assert.Single(plan.Files).Target);
        }

        [Theory]
        [InlineData("Missing")]
        [InlineData("File")]
        public void RefusesSeveralItemsUnlessTheDestinationIsADirectory(string kind)
        {
            var plan = Plan((DestinationKind)System.Enum.Parse(typeof(DestinationKind), kind), false, "/etc/x", File("/a"), File("/b"));
            Assert.Contains("must be an existing directory", plan.Error);
            Assert.Empty(plan.Files);
        }

        [Fact]
        public void RefusesAFileIntoADirectoryThatDoesNotExist()
        {
            Assert.Contains("does not exist", Plan(DestinationKind.Missing, false, "/etc/nowhere/", File("/a")).Error);
        }

        [Fact]
        public void SkipsADirectoryWithoutRecurse()
        {
            var plan = Plan(DestinationKind.Directory, false, "/d", Tree("/src/tree"), File("/src/f"));
            Assert.Equal("/src/tree", Assert.Single(plan.Skipped).Key);
            Assert.Equal("/d/f", Assert.Single(plan.Files).Target);
        }

        [Fact]
        public void MakesTheDestinationTheCopyOfADirectoryWhenItDoesNotExist()
        {
            var plan = Plan(DestinationKind.Missing, true, "/d/copy", Tree("/src/tree"));
            Assert.Equal(new[] { "/d/copy", "/d/copy/etc" }, plan.Directories);
            Assert.Equal("/d/copy/etc/a.conf", Assert.Single(plan.Files).Target);
            Assert.Equal("/src/tree/link", Assert.Single(plan.Skipped).Key);
        }

        [Fact]
        public void PutsADirectoryIntoAnExistingOneUnderItsName()
        {
            var plan = Plan(DestinationKind.Directory, true, "/d", Tree("/src/tree"));
            Assert.Equal(new[] { "/d/tree", "/d/tree/etc" }, plan.Directories);
            Assert.Equal("/d/tree/etc/a.conf", plan.Files.Single().Target);
        }

        [Fact]
        public void RefusesADirectoryOntoAFile()
        {
            Assert.Contains("onto the file", Plan(DestinationKind.File, true, "/d/file", Tree("/src/tree")).Error);
        }

        [Fact]
        public void SkipsWhatIsNeitherFileNorDirectory()
        {
            var plan = Plan(DestinationKind.Directory, false, "/d", new CopySource("/dev/null", "null", EntryKind.Other));
            Assert.Empty(plan.Files);
            Assert.Single(plan.Skipped);
        }
    }
}
