using System.Linq;
using Renci.SshNet;
using Sentinel.Ssh;
using Xunit;

namespace Sentinel.Tests.KeyExchange
{
    /// <summary>
    /// The plug-in into SSH.NET's key-exchange table. The internals it reaches by reflection must exist in
    /// the SSH.NET this project ships (an upgrade that renames them fails here, not in the field, where
    /// the table would quietly keep SSH.NET's slow implementation), and both sntrup761x25519 names must
    /// create Sentinel's exchange, in SSH.NET's order, with post-quantum mlkem768x25519 still first.
    /// </summary>
    public sealed class Sntrup761X25519KeyExchangeTests
    {
        [Fact]
        public void TheShippedSshNetHasEveryPieceTheFastPathNeeds()
        {
            Assert.True(Sntrup761X25519KeyExchange.Available);
        }

        [Fact]
        public void InstallPointsBothNamesAtSentinelsExchangeAndKeepsTheOrder()
        {
            var table = new ConnectionInfo("localhost", "probe", new NoneAuthenticationMethod("probe")).KeyExchangeAlgorithms;
            var before = table.ToList();

            Sntrup761X25519KeyExchange.Install(table);

            Assert.Equal(before.Select(entry => entry.Key), table.Keys);
            Assert.Equal("mlkem768x25519-sha256", table.Keys.First());
            foreach (var entry in before)
            {
                if (Sntrup761X25519KeyExchange.Names.Contains(entry.Key))
                {
                    var exchange = Assert.IsType<Sntrup761X25519KeyExchange>(table[entry.Key]());
                    Assert.Equal(entry.Key, exchange.Name);
                }
                else
                {
                    Assert.Same(entry.Value, table[entry.Key]);
                }
            }

            Assert.All(Sntrup761X25519KeyExchange.Names, name => Assert.Contains(name, table.Keys));
        }

        [Fact]
        public void InstallLeavesATableWithoutSntrupAlone()
        {
            var table = new ConnectionInfo("localhost", "probe", new NoneAuthenticationMethod("probe")).KeyExchangeAlgorithms;
            foreach (var name in Sntrup761X25519KeyExchange.Names)
            {
                table.Remove(name);
            }

            var before = table.ToList();
            Sntrup761X25519KeyExchange.Install(table);

            Assert.Equal(before, table.ToList());
        }
    }
}
