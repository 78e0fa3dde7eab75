using System;
using System.IO;
using System.Linq;
using Sentinel.Errors;
using Sentinel.HostKeys;
using Sentinel.Inventory;
using Xunit;

namespace Sentinel.Tests.Inventory
{
    public sealed class ServerInventoryTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "inventory-" + Guid.NewGuid().ToString("N"));

        private string PathOf(string name) => Path.Combine(_folder, name);

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        [Fact]
        public void SavesAndLoadsEveryField()
        {
            Directory.CreateDirectory(_folder);
            var path = PathOf("servers.json");
            File.WriteAllText(PathOf("seed.json"), "{\"servers\":[{\"name\":\"web01\",\"computerName\":\"10.0.0.5\",\"port\":2222,\"userName\":\"ops\",\"keyFile\":\"~/.ssh/k\",\"jumpHost\":\"ops@b:22\",\"tags\":[\"web\",\"prod\"],\"hostKeyPolicy\":\"strict\"}]}");
            ServerInventory.Save(path, ServerInventory.Load(PathOf("seed.json")));
            var web = Assert.Single(ServerInventory.Load(path));
            Assert.Equal(("web01", "10.0.0.5", 2222, "ops", "~/.ssh/k", "ops@b:22"), (web.Name, web.ComputerName, web.Port, web.UserName, web.KeyFile, web.JumpHost));
            Assert.Equal(new[] { "web", "prod" }, web.Tags);
            Assert.Equal(HostKeyPolicy.Strict, web.HostKeyPolicy);
            Assert.Equal(new[] { "seed.json", "servers.json" }, Directory.GetFiles(_folder).Select(Path.GetFileName).OrderBy(n => n));
        }

        [Theory]
        [InlineData("[]", "\"servers\" array")]
        [InlineData("{\"servers\":[{\"computerName\":\"x\"}]}", "no \"name\"")]
        [InlineData("{\"servers\":[{\"name\":\"a\",\"computerName\":\"x\",\"port\":0}]}", "\"port\"")]
        [InlineData("{\"servers\":[{\"name\":\"a\",\"computerName\":\"x\",\"tags\":\"web\"}]}", "\"tags\"")]
        [InlineData("{\"servers\":[{\"name\":\"a\",\"computerName\":\"x\",\"hostKeyPolicy\":\"maybe\"}]}", "hostKeyPolicy")]
        public void RefusesAFileThatIsNotAnInventoryNamingTheProblem(string text, string problem)
        {
            Directory.CreateDirectory(_folder);
            var path = PathOf("servers.json");
            File.WriteAllText(path, text);
            var error = Assert.Throws<SentinelException>(() => ServerInventory.Load(path));
            Assert.Equal(ErrorIds.InventoryInvalid, error.ErrorId);
            Assert.Contains(path, error.Message);
            Assert.Contains(problem, error.Message);
        }

        [Fact]
        public void AMissingFileIsAnEmptyInventory() => Assert.Empty(ServerInventory.Load(PathOf("absent.json")));

        [Fact]
        public void AFolderABinaryFileOrAHugeNumberIsInventoryInvalid()
        {
            Directory.CreateDirectory(_folder);
            Assert.Contains("folder", Assert.Throws<SentinelException>(() => ServerInventory.Load(_folder)).Message);
            File.WriteAllBytes(PathOf("binary.json"), new byte[] { (byte)'{', 0, 0xff });
            Assert.Contains("NUL", Assert.Throws<SentinelException>(() => ServerInventory.Load(PathOf("binary.json"))).Message);
            File.WriteAllText(PathOf("huge.json"), "{\"servers\":[{\"name\":\"a\",\"computerName\":\"x\",\"port\":1e400}]}");
            Assert.Equal(ErrorIds.InventoryInvalid, Assert.Throws<SentinelException>(() => ServerInventory.Load(PathOf("huge.json"))).ErrorId);
        }

        [Fact]
        public void AFileThatCannotBeWrittenIsInventoryUnwritableAndLeavesNoTemporaryFile()
        {
            Directory.CreateDirectory(PathOf("servers.json")); // a folder where the file should be
            var error = Assert.Throws<SentinelException>(() => ServerInventory.Save(PathOf("servers.json"), new[] { new Results.ServerEntry("a", "x") }));
            Assert.Equal(ErrorIds.InventoryUnwritable, error.ErrorId);
            Assert.Equal(new[] { "servers.json" }, Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName));
        }

        [Fact]
        public void HostileServersFilesOnlyEverEndInInventoryInvalid()
        {
            Directory.CreateDirectory(_folder);
            var path = PathOf("servers.json");
            const string sample = "{\"servers\":[{\"name\":\"web01\",\"computerName\":\"10.0.0.5\",\"port\":2222,\"tags\":[\"web\"],\"hostKeyPolicy\":\"strict\"}]}";
            HostileInput.EachEndsIn<SentinelException>(HostileInput.Structured(sample).Concat(HostileInput.Random(sample)), text =>
            {
                File.WriteAllText(path, text);
                try
                {
                    ServerInventory.Load(path);
                }
                catch (SentinelException e)
                {
                    Assert.Equal(ErrorIds.InventoryInvalid, e.ErrorId);
                    throw;
                }
            });
        }
    }
}
