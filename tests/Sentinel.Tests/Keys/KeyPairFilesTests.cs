using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Sentinel.Errors;
using Sentinel.Keys;
using Sentinel.Platform;
using Xunit;

namespace Sentinel.Tests.Keys
{
    public sealed class KeyPairFilesTests : IDisposable
    {
        private readonly string folder = Path.Combine(Path.GetTempPath(), "sentinel-keypair-" + Guid.NewGuid().ToString("N"));

        public KeyPairFilesTests() => Directory.CreateDirectory(folder);

        public void Dispose() => Directory.Delete(folder, true);

        [Fact]
        public void CreateNewGivesTheFileItsModeAtTheCreateNotAfter()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return;
            }

            // Read while the file is still open and empty: the mode it was born with. 0640 is what no
            // usual umask makes of the default 0666, so a create under the umask and a chmod later fails here.
            var path = Path.Combine(folder, "born-0640");
            using (UnixPermissions.CreateNew(path, Convert.ToInt32("640", 8)))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
            }

            var secret = Path.Combine(folder, "born-0600");
            using (UnixPermissions.CreateNew(secret, Convert.ToInt32("600", 8)))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));
            }
        }

        [Fact]
        public void CreateNewNeitherReusesAFileNorFollowsALink()
        {
            var existing = Path.Combine(folder, "existing");
            File.WriteAllText(existing, "kept");
            Assert.Throws<IOException>(() => UnixPermissions.CreateNew(existing, Convert.ToInt32("600", 8)).Dispose());
            Assert.Equal("kept", File.ReadAllText(existing));

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return;
            }

            var target = Path.Combine(folder, "link-target");
            var link = Path.Combine(folder, "planted-link");
            File.CreateSymbolicLink(link, target);
            Assert.Throws<IOException>(() => UnixPermissions.CreateNew(link, Convert.ToInt32("600", 8)).Dispose());
            Assert.False(File.Exists(target), "the create must not make the file a planted link points to");
        }

        [Fact]
        public void WritesThePrivateFile600AndThePublicFile644AndLeavesNoTemporaryFile()
        {
            var path = Path.Combine(folder, "id_test");
            KeyPairFiles.Write(path, "private text\n", "ssh-ed25519 AAAA test", force: false);
            KeyPairFiles.Write(path, "replaced private text\n", "ssh-ed25519 BBBB test", force: true);

            Assert.Equal("replaced private text\n", File.ReadAllText(path));
            Assert.Equal("ssh-ed25519 BBBB test\n", File.ReadAllText(path + ".pub"));
            Assert.Equal(new[] { "id_test", "id_test.pub" }, Directory.GetFiles(folder).Select(Path.GetFileName).OrderBy(name => name, StringComparer.Ordinal));
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path + ".pub"));
            }
        }

        [Fact]
        public void AnExistingPairIsRefusedWithoutForce()
        {
            var path = Path.Combine(folder, "id_kept");
            KeyPairFiles.Write(path, "first\n", "ssh-ed25519 AAAA first", force: false);
            var error = Assert.Throws<SentinelException>(() => KeyPairFiles.Write(path, "second\n", "ssh-ed25519 BBBB second", force: false));
            Assert.Equal("first\n", File.ReadAllText(path));
            Assert.Contains("KeyFileExists", error.ErrorId);
        }
    }
}
