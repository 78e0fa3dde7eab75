using System.Collections.Generic;
using Sentinel.Files;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Files
{
    /// <summary>Issue 20 item 2: where root may write under -Sudo.</summary>
    public sealed class RootPathTests
    {
        private static readonly HashSet<int> Trusted = new HashSet<int> { 0, 1000 };
        private static readonly HashSet<int> TrustedGroups = new HashSet<int> { 0, 1000 };

        private static RemoteFileInfo Dir(string path, int mode = 0x1ED, int owner = 0, int group = 0) => new RemoteFileInfo(path, RemoteFileKind.Directory, 0, mode, owner, group);

        private static RemoteFileInfo Link(string path, int owner) => new RemoteFileInfo(path, RemoteFileKind.SymbolicLink, 0, 0x1FF, owner, owner);

        private static string? Why(string target, params RemoteFileInfo[] entries) => RootPath.WhyUnsafe(target, RootView.Of(entries), Trusted, TrustedGroups);

        [Fact]
        public void RootOwnedDirectoriesAreSafe() =>
            Assert.Null(Why("/etc/nginx/nginx.conf", Dir("/"), Dir("/."), Dir("/etc"), Dir("/etc/."), Dir("/etc/nginx"), Dir("/etc/nginx/.")));

        [Fact]
        public void ADirectoryOfAnotherUserIsRefused() =>
            Assert.Contains("user id 1001", Why("/srv/app/config.yml", Dir("/"), Dir("/."), Dir("/srv"), Dir("/srv/."), Dir("/srv/app", owner: 1001), Dir("/srv/app/.", owner: 1001)));

        [Fact]
        public void ALinkOfAnotherUserOnTheWayIsRefused() =>
            Assert.Contains("symbolic link", Why("/srv/conf/x.conf", Dir("/"), Dir("/."), Dir("/srv"), Dir("/srv/."), Link("/srv/conf", 1001), Dir("/srv/conf/.")));

        [Fact]
        public void ARootLinkOnTheWayIsFollowed() =>
            Assert.Null(Why("/var/run/x", Dir("/"), Dir("/."), Dir("/var"), Dir("/var/."), Link("/var/run", 0), Dir("/var/run/.")));

        [Fact]
        public void AWorldWritableDirectoryIsRefusedUnlessSticky()
        {
            Assert.Contains("can be written", Why("/shared/x", Dir("/"), Dir("/."), Dir("/shared", 0x1FF), Dir("/shared/.", 0x1FF)));
            Assert.Null(Why("/tmp/x", Dir("/"), Dir("/."), Dir("/tmp", 0x3FF), Dir("/tmp/.", 0x3FF)));
        }

        [Fact]
        public void TheLoginUsersOwnDirectoryIsSafe() =>
            Assert.Null(Why("/home/ops/x", Dir("/"), Dir("/."), Dir("/home"), Dir("/home/."), Dir("/home/ops", owner: 1000), Dir("/home/ops/.", owner: 1000)));

        [Theory]
        [InlineData("/etc/nginx/../../x", "/home/ops", null)]
        [InlineData("app/x.conf", "/home/ops", "/home/ops/app/x.conf")]
        [InlineData("/etc//nginx/./x/", "/home/ops", "/etc/nginx/x")]
        public void NormalizesLexicallyAndRefusesDotDot(string path, string home, string? expected) => Assert.Equal(expected, RootPath.Normalize(path, home));
    }
}
