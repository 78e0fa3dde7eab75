using System;
using System.Text;
using Sentinel.Files;
using Xunit;

namespace Sentinel.Tests.Files
{
    public sealed class RemotePathTests
    {
        [Theory]
        [InlineData("/etc", "nginx.conf", "/etc/nginx.conf")]
        [InlineData("/etc/", "nginx.conf", "/etc/nginx.conf")]
        [InlineData("/", "x", "/x")]
        [InlineData("up", "a/b", "up/a/b")]
        [InlineData("up", "/abs", "/abs")]
        public void Combines(string directory, string relative, string expected) => Assert.Equal(expected, RemotePath.Combine(directory, relative));

        [Theory]
        [InlineData("/etc/nginx/nginx.conf", "/etc/nginx", "nginx.conf")]
        [InlineData("/x", "/", "x")]
        [InlineData("x", ".", "x")]
        [InlineData("dir/sub/", "dir", "sub")]
        [InlineData("a/it's\nname", "a", "it's\nname")]
        public void SplitsLikeDirnameAndBasename(string path, string directory, string name)
        {
            Assert.Equal(directory, RemotePath.DirectoryOf(path));
            Assert.Equal(name, RemotePath.NameOf(path));
        }

        [Fact]
        public void PutsTheTemporaryFileHiddenBesideTheDestination()
        {
            Assert.Equal("/etc/nginx/.nginx.conf.sentinel-abc.tmp", RemotePath.TempName("/etc/nginx", "nginx.conf", "abc"));
        }

        [Theory]
        [InlineData(255, 'a')]
        [InlineData(127, 'é')]
        [InlineData(84, '€')]
        public void KeepsTheTemporaryNameWithinNameMaxBytesWithoutSplittingACharacter(int count, char c)
        {
            var name = RemotePath.NameOf(RemotePath.TempName("/d", new string(c, count), RemotePath.NewUnique()));
            Assert.True(Encoding.UTF8.GetByteCount(name) <= 255, name);
            Assert.EndsWith(".tmp", name);
            Assert.Equal(name.Length, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(name)).Length);
        }

        [Fact]
        public void NamesTheBackupAfterTheDestinationAndTheUtcTime()
        {
            Assert.Equal("/etc/x.conf.20260102T030405678Z.bak", RemotePath.BackupName("/etc/x.conf", new DateTime(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc)));
        }
    }
}
