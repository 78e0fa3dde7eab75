using System;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Sentinel.Ssh;
using Xunit;

namespace Sentinel.Tests.SshAdapter
{
    /// <summary>
    /// The SSH.NET internals the adapter reaches by reflection must all exist in the SSH.NET this project
    /// ships: an upgrade that renames one fails here, not in the field, where it would lose a keepalive,
    /// a window refill or a link-safe rename.
    /// </summary>
    public sealed class SshNetInternalsTests
    {
        [Fact]
        public void EveryReflectedMemberResolvesInTheShippedSshNet()
        {
            Assert.Empty(SshNetInternals.Missing);
            Assert.Empty(SshNetInternals.DegradedReasons);
            Assert.True(SshNetInternals.CanPing);
            Assert.True(SshNetInternals.CanObserveData);
            Assert.True(SshNetInternals.CanRefillWindow);
            Assert.True(SshNetInternals.CanExchangeSntrup);
        }

        [Fact]
        public void EveryListedMemberIsSet()
        {
            var members = typeof(SshNetInternals).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .Where(field => typeof(MemberInfo).IsAssignableFrom(field.FieldType))
                .ToList();

            Assert.True(members.Count >= 20, $"only {members.Count} reflected members found");
            Assert.All(members, field => Assert.True(field.GetValue(null) != null, $"{field.Name} did not resolve"));
        }

        [Fact]
        public async Task WithoutAKeepaliveTheServerIsNeverReportedAlive()
        {
            Assert.False(await KeepAlive.PingAsync(null, TimeSpan.FromSeconds(1)));
        }
    }
}
