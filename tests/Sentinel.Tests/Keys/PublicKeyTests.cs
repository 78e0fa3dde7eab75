using System;
using System.Linq;
using Sentinel.Keys;
using Sentinel.Tests.HostKeys;
using Xunit;

namespace Sentinel.Tests.Keys
{
    public sealed class PublicKeyTests
    {
        private const string Ed25519Line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C vector@sentinel";

        [Theory]
        [InlineData("ssh-ed25519 " + TestKeys.Ed25519 + " ops@host\n", "ssh-ed25519", "ops@host")]
        [InlineData("ssh-ed25519 " + TestKeys.Ed25519 + "\r\n", "ssh-ed25519", "")]
        [InlineData("ssh-rsa " + TestKeys.Rsa + " a comment with spaces", "ssh-rsa", "a comment with spaces")]
        [InlineData("ecdsa-sha2-nistp256 " + TestKeys.Ecdsa256 + " x", "ecdsa-sha2-nistp256", "x")]
        [InlineData("ecdsa-sha2-nistp384 " + TestKeys.Ecdsa384, "ecdsa-sha2-nistp384", "")]
        [InlineData("ecdsa-sha2-nistp521 " + TestKeys.Ecdsa521 + " y\n", "ecdsa-sha2-nistp521", "y")]
        public void ReadsEveryKeyTypeSentinelCanLogInWith(string text, string type, string comment)
        {
            var key = PublicKey.ParseFile(text, out var reason);
            Assert.True(key != null, reason);
            Assert.Equal(type, key!.KeyType);
            Assert.Equal(comment, key.Comment);
            Assert.Equal(text.TrimEnd('\r', '\n'), key.Line);
        }

        [Theory]
        [InlineData("", "empty")]
        [InlineData("   \n", "empty")]
        [InlineData(Ed25519Line + "\n" + Ed25519Line + "\n", "more than one line")]
        [InlineData(Ed25519Line + "\n\n", "more than one line")]
        [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C a\rcommand=\"x\" ssh-rsa AAAA", "more than one line")]
        [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C a\u0000b", "U+0000")]
        [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C \u001b[31mred", "U+001B")]
        [InlineData("command=\"rm -rf ~\" " + Ed25519Line, "not a key type")]
        [InlineData("ssh-dss AAAAB3NzaC1kc3MAAACBAP x", "not a key type")]
        [InlineData("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t x", "not a key type")]
        [InlineData("ssh-ed25519", "missing")]
        [InlineData("ssh-ed25519 %%%% x", "not valid base64")]
        [InlineData("ssh-ed25519 " + TestKeys.Rsa + " x", "does not hold a ssh-ed25519 key")]
        [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAH/B40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH0= x", "malformed")]
        [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2CAA== x", "malformed")]
        [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n-----END OPENSSH PRIVATE KEY-----\n", "more than one line")]
        public void RefusesWhatIsNotOneUsablePublicKey(string text, string reasonPart)
        {
            Assert.Null(PublicKey.ParseFile(text, out var reason));
            Assert.Contains(reasonPart, reason);
        }

        [Fact]
        public void RefusesAHugeFileAndAHugeComment()
        {
            Assert.Null(PublicKey.ParseFile(Ed25519Line + new string('x', PublicKey.MaxFileLength), out var reason));
            Assert.Contains("longer than", reason);
            Assert.Null(PublicKey.ParseFile(Ed25519Line + " " + new string('x', 2000), out reason));
            Assert.Contains("comment", reason);
        }

        [Theory]
        [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C other comment")]
        [InlineData("   ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C")]
        [InlineData("no-pty,from=\"10.0.0.1\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C x")]
        [InlineData("command=\"echo \\\"hi there\\\"\",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C\r")]
        public void FindsTheSameKeyInAuthorizedKeysWhateverItsCommentAndOptions(string line)
        {
            var key = PublicKey.ParseFile(Ed25519Line, out _)!;
            var found = PublicKey.FromAuthorizedKeysLine(line);
            Assert.NotNull(found);
            Assert.True(key.SameKey(found!));
        }

        [Theory]
        [InlineData("")]
        [InlineData("# ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C")]
        [InlineData("garbage")]
        [InlineData("command=\"unterminated ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C")]
        public void FindsNoKeyWhereSshdWouldNot(string line) => Assert.Null(PublicKey.FromAuthorizedKeysLine(line));

        [Fact]
        public void AKeyDifferingInItsLastBitIsAnotherKey()
        {
            var key = PublicKey.ParseFile(Ed25519Line, out _)!;
            var found = PublicKey.FromAuthorizedKeysLine("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2D");
            Assert.NotNull(found);
            Assert.False(key.SameKey(found!));
        }

        [Fact]
        public void AnotherKeyOfTheSameTypeIsNotTheSameKey()
        {
            var key = PublicKey.ParseFile(Ed25519Line, out _)!;
            var file = "ssh-ed25519 " + TestKeys.Ed25519 + " someone\nssh-rsa " + TestKeys.Rsa + " other\n";
            Assert.DoesNotContain(PublicKey.FromAuthorizedKeys(file), key.SameKey);
            Assert.Equal(2, PublicKey.FromAuthorizedKeys(file).Count());
        }

        [Fact]
        public void HostileAuthorizedKeysNeverThrow()
        {
            var random = new Random(4242);
            const string alphabet = "\"\\ ,=#\t\nsh-ed25519AAAC3Nz+/";
            for (var round = 0; round < 2000; round++)
            {
                var text = new string(Enumerable.Range(0, random.Next(300)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
                _ = PublicKey.FromAuthorizedKeys(text).ToList();
                _ = PublicKey.ParseFile(text, out _);
            }
        }
    }
}
