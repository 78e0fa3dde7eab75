using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Files;
using Sentinel.Platform;
using Sentinel.Transport;
using Xunit;

namespace Sentinel.Tests.Files
{
    /// <summary>Names a (hostile) server lists, and the bounds on its listings (issue 20 item 1).</summary>
    public sealed class RemoteNamesTests
    {
        private static readonly char[] Unix = { '/' };
        private static readonly char[] Windows = { '\\', '/', ':' };

        [Theory]
        [InlineData("")]
        [InlineData(".")]
        [InlineData("..")]
        [InlineData("../")]
        [InlineData("./")]
        [InlineData("/")]
        [InlineData("/etc/x")]
        [InlineData("a/../../b")]
        [InlineData("x\0y")]
        [InlineData("\0")]
        public void RefusesNamesThatAreNotOneFileName(string name)
        {
            Assert.False(RemotePath.IsSafeName(name, Unix));
            Assert.False(RemotePath.IsSafeName(name, Windows));
            Assert.False(RemotePath.IsSafeName(name));
        }

        [Theory]
        [InlineData("nginx.conf")]
        [InlineData("...")]
        [InlineData(".hidden")]
        [InlineData("..x")]
        [InlineData("it's a \"quoted\"\nname $(touch x).txt")]
        [InlineData("é€😀")]
        public void TakesOrdinaryNamesEverywhere(string name)
        {
            Assert.True(RemotePath.IsSafeName(name, Unix));
            Assert.True(RemotePath.IsSafeName(name, Windows));
        }

        [Theory]
        [InlineData("..\\..\\evil")]
        [InlineData("C:evil")]
        public void RefusesWindowsSeparatorsOnlyWhereTheyAreSeparators(string name)
        {
            Assert.True(RemotePath.IsSafeName(name, Unix));
            Assert.False(RemotePath.IsSafeName(name, Windows));
        }

        [Theory]
        [InlineData("/dl/dest", "/dl/dest/pub/good.txt", true)]
        [InlineData("/dl/dest", "/dl/dest", true)]
        [InlineData("/dl/dest/", "/dl/dest/a", true)]
        [InlineData("/", "/etc/x", true)]
        [InlineData("/dl/dest", "/dl/dest/pub/../../PWNED.txt", false)]
        [InlineData("/dl/dest", "/dl/dest/pub/../x", true)]
        [InlineData("/dl/dest", "/dl/destination/x", false)]
        [InlineData("/dl/dest", "/etc/x", false)]
        [InlineData("/dl/dest", "/dl/dest/..", false)]
        public void KnowsWhetherATargetIsInsideTheDestination(string destination, string target, bool inside)
        {
            if (Path.DirectorySeparatorChar != '/')
            {
                return;
            }

            Assert.Equal(inside, LocalPath.IsWithin(destination, target));
        }

        [Theory]
        [InlineData(0x180, 0x12, 0x180)]
        [InlineData(0x1A4, 0x12, 0x1A4)]
        [InlineData(0x1B6, 0x12, 0x1A4)]
        [InlineData(0x9ED, 0x12, 0x1ED)]
        [InlineData(0x100, 0x3F, 0x180)]
        public void GivesANewFileTheRemoteBitsLessTheUmask(int remote, int umask, int expected)
        {
            Assert.Equal(expected, UnixPermissions.NewFileMode(remote, umask));
        }

        [Fact]
        public async Task RefusesEachHostileEntryAndKeepsTheOthers()
        {
            var transfer = new ListingTransfer();
            transfer.Directories["pub"] = new[] { "good.txt", "../", "", "/etc/x", "a/../../b", "x\0y", "sub" };
            transfer.Directories["pub/sub"] = new[] { "..", "deep.txt" };
            var refused = new List<SentinelException>();
            var sources = await new RemoteSources(transfer, "web01", refused.Add, CancellationToken.None).ExpandAsync("pub", recurse: true);

            var tree = Assert.Single(sources).Tree;
            Assert.Equal(new[] { "good.txt", "sub", "sub/deep.txt" }, tree.Select(e => e.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
            Assert.Equal(6, refused.Count);
            Assert.All(refused, e =>
            {
                Assert.Equal(ErrorIds.UnsafeRemoteName, e.ErrorId);
                Assert.Equal(ErrorCategory.SecurityError, e.Category);
                Assert.Equal("web01", e.ErrorRecord.TargetObject);
            });
            Assert.Contains(refused, e => e.Message.Contains("'x\\u0000y'"));
        }

        [Fact]
        public async Task RefusesHostileNamesAWildcardMatches()
        {
            var transfer = new ListingTransfer();
            transfer.Directories["pub"] = new[] { "good.txt", "/etc/x", "a/b" };
            var refused = new List<SentinelException>();
            var sources = await new RemoteSources(transfer, "web01", refused.Add, CancellationToken.None).ExpandAsync("pub/*", recurse: false);
            Assert.Equal(new[] { "pub/good.txt" }, sources.Select(s => s.Path));
            Assert.Equal(2, refused.Count);
        }

        [Fact]
        public async Task StopsAListingThatNeverEndsAtTheBound()
        {
            var transfer = new ListingTransfer();
            transfer.Directories["pub"] = new[] { "endless", "good.txt" };
            transfer.Endless = "pub/endless";
            var refused = new List<SentinelException>();
            var sources = await new RemoteSources(transfer, "web01", refused.Add, CancellationToken.None).ExpandAsync("pub", recurse: true);

            Assert.Equal(new[] { "endless", "good.txt" }, Assert.Single(sources).Tree.Select(e => e.RelativePath));
            Assert.Equal(ErrorIds.RemoteTreeTooLarge, Assert.Single(refused).ErrorId);
            Assert.True(transfer.MostAsked <= RemoteSources.MaxEntries + 1, "no listing is read past the bound");
        }

        [Fact]
        public async Task StopsATreeThatNeverEndsAtTheDepthBound()
        {
            var transfer = new ListingTransfer { EveryDirectoryHoldsOne = true };
            transfer.Directories["pub"] = new[] { "d", "good.txt" };
            var refused = new List<SentinelException>();
            var sources = await new RemoteSources(transfer, "web01", refused.Add, CancellationToken.None).ExpandAsync("pub", recurse: true);

            var tree = Assert.Single(sources).Tree;
            Assert.Contains(tree, e => e.RelativePath == "good.txt");
            Assert.Equal(RemoteSources.MaxDepth, tree.Max(e => e.RelativePath.Split('/').Length));
            Assert.Equal(ErrorIds.RemoteTreeTooLarge, Assert.Single(refused).ErrorId);
        }

        /// <summary>Directories by path, listed with the names given (files unless a directory is scripted under that path).</summary>
        private sealed class ListingTransfer : IFileTransfer
        {
            public Dictionary<string, string[]> Directories { get; } = new Dictionary<string, string[]>();

            public string? Endless { get; set; }

            public bool EveryDirectoryHoldsOne { get; set; }

            public int MostAsked { get; private set; }

            public RemoteFileInfo? Stat(string path) => IsDirectory(path) ? Info(path, RemoteFileKind.Directory) : Info(path, RemoteFileKind.File);

            public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken) => Task.FromResult(Stat(path));

            public Task<IReadOnlyList<RemoteFileInfo>> ListAsync(string directory, int maxEntries, CancellationToken cancellationToken)
            {
                MostAsked = Math.Max(MostAsked, maxEntries);
                IEnumerable<string> names = directory == Endless ? Enumerable.Range(0, int.MaxValue).Select(i => "f" + i)
                    : Directories.TryGetValue(directory, out var listed) ? listed
                    : EveryDirectoryHoldsOne ? new[] { "d" }
                    : new string[0];
                IReadOnlyList<RemoteFileInfo> entries = names.Take(maxEntries)
                    .Select(name => Info(directory + "/" + name, IsDirectory(directory + "/" + name) ? RemoteFileKind.Directory : RemoteFileKind.File, name))
                    .ToList();
                return Task.FromResult(entries);
            }

            public Task UploadNewAsync(Stream source, string path, Action<long> progress, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task DownloadAsync(string path, Stream destination, Action<long> progress, CancellationToken cancellationToken) => throw new NotSupportedException();

            public void Replace(string from, string to) => throw new NotSupportedException();

            public Task ReplaceAsync(string from, string to, CancellationToken cancellationToken) => throw new NotSupportedException();

            public void Remove(string path) => throw new NotSupportedException();

            public void CreateDirectory(string path) => throw new NotSupportedException();

            public void RemoveDirectory(string path) => throw new NotSupportedException();

            public void SetOwner(string path, int userId, int groupId) => throw new NotSupportedException();

            public void SetMode(string path, int mode) => throw new NotSupportedException();

            public Task SetModeAsync(string path, int mode, CancellationToken cancellationToken) => throw new NotSupportedException();

            public void Dispose()
            {
            }

            private static RemoteFileInfo Info(string path, RemoteFileKind kind, string? name = null) => new RemoteFileInfo(path, kind, 0, 0x1A4, 1000, 1000, name);

            private bool IsDirectory(string path) => Directories.ContainsKey(path) || path == Endless || (EveryDirectoryHoldsOne && path.EndsWith("/d", StringComparison.Ordinal));
        }
    }
}
