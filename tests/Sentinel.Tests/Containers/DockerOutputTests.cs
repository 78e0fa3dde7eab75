using System;
using System.Collections.Generic;
using System.Linq;
using Sentinel.Containers;
using Sentinel.Serialization;
using Xunit;

namespace Sentinel.Tests.Containers
{
    public sealed class DockerOutputTests
    {
        [Theory]
        [InlineData("docker-ps.engine-cli.captured.jsonl")]
        [InlineData("docker-ps.newer-cli.captured.jsonl")]
        public void CapturedDockerPsJsonLinesBecomeTypedContainers(string fixture)
        {
            // The newer CLI adds fields ("Platform":null among them); both read the same.
            var containers = DockerOutput.ParsePs("web01", Fixtures.Read(fixture));
            Assert.Equal(new[] { "finished", "stubborn", "ticker" }, containers.Select(c => c.Name));
            var ticker = containers[2];
            Assert.Equal("31fbe2de4f9c24d7e2fe677a2edb04eb2b83e360f2e9c45229a95c53d1e44b84", ticker.Id);
            Assert.Equal("sentinel-lab/busybox:1", ticker.Image);
            Assert.Equal("running", ticker.State);
            Assert.True(ticker.Running);
            Assert.Equal("Up 1 second", ticker.Status);
            Assert.Equal(string.Empty, ticker.Ports);
            Assert.Equal("web01", ticker.ComputerName);
            Assert.Equal("exited", containers[0].State);
            Assert.False(containers[0].Running);
            Assert.Equal("Exited (0) Less than a second ago", containers[0].Status);
        }

        [Fact]
        public void PortsKeepDockersEscapedArrows()
        {
            // The lab's containers have no network, so this line is written, not captured: docker
            // escapes '>' in its JSON as \u003e.
            var line = "{\"ID\":\"3f2a\",\"Image\":\"nginx:1.27\",\"Names\":\"web\",\"Ports\":\"0.0.0.0:8080-\\u003e80/tcp, :::8080-\\u003e80/tcp\",\"State\":\"running\",\"Status\":\"Up 4 days\"}";
            Assert.Equal("0.0.0.0:8080->80/tcp, :::8080->80/tcp", DockerOutput.ParsePs("h", line)[0].Ports);
        }

        [Fact]
        public void CapturedDockerInspectStateGivesStatusAndStartTime()
        {
            var state = DockerOutput.ParseInspectState(Fixtures.Read("docker-inspect-state.ticker.captured.json"));
            Assert.Equal("running", state.Status);
            Assert.True(state.Running);
            Assert.Equal(new DateTime(2026, 11, 28, 21, 16, 17, DateTimeKind.Utc).AddTicks(4396615), state.StartedAt);
        }

        [Theory]
        [InlineData("0001-01-01T00:00:00Z")]
        [InlineData("")]
        [InlineData("yesterday")]
        public void NeverStartedIsNoTime(string text) => Assert.Null(DockerOutput.ParseTimestamp(text));

        [Fact]
        public void ContainersMatchByNameOrIdPrefix()
        {
            var ticker = DockerOutput.ParsePs("h", Fixtures.Read("docker-ps.engine-cli.captured.jsonl"))[2];
            Assert.True(DockerOutput.Matches(ticker, "ticker"));
            Assert.True(DockerOutput.Matches(ticker, "31fbe2de4f9c"));
            Assert.False(DockerOutput.Matches(ticker, "31fb"));
            Assert.False(DockerOutput.Matches(ticker, "tick"));
        }

        [Fact]
        public void ColumnTextIsRefused() => Assert.ThrowsAny<FormatException>(() => DockerOutput.ParsePs("h", "CONTAINER ID   IMAGE   COMMAND\n"));

        [Theory]
        [InlineData("web", true)]
        [InlineData("nightly-backup", true)]
        [InlineData("3f2a9c1b7d4e", true)]
        [InlineData("web; touch /tmp/x", false)]
        [InlineData("-web", false)]
        [InlineData("$(id)", false)]
        [InlineData("web\n", false)]
        [InlineData("web\r\n", false)]
        [InlineData("web\0", false)]
        [InlineData("'web'", false)]
        [InlineData("\"web\"", false)]
        [InlineData("", false)]
        public void ContainerNamesFollowDockersRule(string name, bool valid) => Assert.Equal(valid, ContainerName.IsValid(name));

        [Fact]
        public void ALineWithoutAnIdOrANameIsRefused()
        {
            Assert.ThrowsAny<FormatException>(() => DockerOutput.ParsePs("h", "{}\n"));
            Assert.ThrowsAny<FormatException>(() => DockerOutput.ParsePs("h", "{\"ID\":\"abc\",\"Names\":7}\n"));
        }

        [Fact]
        public void HostileDockerPsOutputOnlyEverEndsInAFormatException()
        {
            var sample = Fixtures.Read("docker-ps.captured.jsonl");
            HostileInput.EachEndsIn<FormatException>(HostileInput.Structured(sample).Concat(HostileInput.Random(sample)), text => DockerOutput.ParsePs("h", text));
        }

        [Fact]
        public void HostileDockerInspectOutputOnlyEverEndsInAFormatException()
        {
            var sample = Fixtures.Read("docker-inspect-state.web.captured.json");
            HostileInput.EachEndsIn<FormatException>(HostileInput.Structured(sample).Concat(HostileInput.Random(sample)), text => DockerOutput.ParseInspectState(text));
        }
    }

    public sealed class JsonTests
    {
        [Fact]
        public void ReadsNestedValuesAndEscapes()
        {
            var value = (Dictionary<string, object?>)Json.Parse("{\"a\":[1,2.5,-3e2],\"b\":{\"c\":null,\"d\":true,\"e\":false},\"s\":\"x\\u003cy\\n\\\"z\\\" \\u00e9\"}")!;
            Assert.Equal(new object?[] { 1d, 2.5d, -300d }, (List<object?>)value["a"]!);
            var b = (Dictionary<string, object?>)value["b"]!;
            Assert.Null(b["c"]);
            Assert.Equal(true, b["d"]);
            Assert.Equal("x<y\n\"z\" é", value["s"]);
        }

        [Theory]
        [InlineData("{")]
        [InlineData("{\"a\":}")]
        [InlineData("{\"a\":1,}")]
        [InlineData("[1 2]")]
        [InlineData("\"open")]
        [InlineData("{} x")]
        [InlineData("\"\\x\"")]
        public void RefusesMalformedText(string text) => Assert.ThrowsAny<FormatException>(() => Json.Parse(text));
    }
}
