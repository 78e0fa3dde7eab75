using System.Linq;
using Sentinel.Connections;
using Sentinel.Errors;
using Xunit;

namespace Sentinel.Tests.Inventory
{
    public sealed class JumpHostSpecTests
    {
        [Fact]
        public void ParsesAChainInOrderWithUsersPortsAndIpv6()
        {
            var chain = JumpHostSpec.ParseChain("ops@bastion:2222, gate ,ssh://admin@[fd00::1]:22", "web01");
            Assert.Equal(new[] { "bastion", "gate", "fd00::1" }, chain.Select(h => h.Host));
            Assert.Equal(new string?[] { "ops", null, "admin" }, chain.Select(h => h.UserName));
            Assert.Equal(new int?[] { 2222, null, 22 }, chain.Select(h => h.Port));
        }

        [Theory]
        [InlineData("bastion:notaport")]
        [InlineData("bastion:70000")]
        [InlineData("@bastion")]
        [InlineData("ops@")]
        [InlineData("a,,b")]
        public void RefusesMalformedHopsAsInvalidArgument(string chain)
        {
            var error = Assert.Throws<SentinelException>(() => JumpHostSpec.ParseChain(chain, "web01"));
            Assert.Equal(ErrorIds.JumpHostInvalid, error.ErrorId);
            Assert.Equal("web01", error.ComputerName);
        }
    }
}
