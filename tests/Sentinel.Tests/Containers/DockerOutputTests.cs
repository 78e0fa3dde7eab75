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
        [Fact]
        public void CapturedDockerPsJsonLinesBecomeTypedContainers()
        {
            var containers = DockerOutput.ParsePs("web01", Fixtures.Read("docker-ps.captured.jsonl"));
            Assert.Equal(new[] { "web", "cache", "nightly-backup" }, containers.Select(c => c.Name));
            var web = containers[0];
            Assert.Equal("3f2a9c1b7d4e8a6f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a", web.Id);
            Assert.Equal("nginx:1.27", web.Image);
            Assert.Equal("running", web.State);
            Assert.True(web.Running);
            Assert.Equal("Up 4 days", web.Status);
            Assert.Equal("0.0.0.0:8080->80/tcp, :::8080->80/tcp", web.Ports);
            Assert.Equal("web01", web.ComputerName);
            Assert.Equal("exited", containers[2].State);
            Assert.Equal("Exited (1) 2 hours ago", containers[2].Status);
            Assert.Equal(string.Empty, containers[2].Ports);
        }

        [Fact]
        public void CapturedDockerInspectStateGivesStatusAndStartTime()
        {
            var state = DockerOutput.ParseInspectState(Fixtures.Read("docker-inspect-state.web.captured.json"));
            Assert.Equal("running", state.Status);
            Assert.True(state.Running);
            Assert.Equal(new DateTime(2026, 11, 25, 1, 50, 3, DateTimeKind.Utc).AddTicks(4129783), state.StartedAt);
        }

        [Theory]
        [InlineData("0001-01-01T00:00:00Z")]
        [InlineData("")]
        [InlineData("yesterday")]
        public void NeverStartedIsNoTime(string text) => Assert.Null(DockerOutput.ParseTimestamp(text));

        [Fact]
        public void ContainersMatchByNameOrIdPrefix()
        {
            var web = DockerOutput.ParsePs("h", Fixtures.Read("docker-ps.captured.jsonl"))[0];
            Assert.True(DockerOutput.Matches(web, "web"));
            Assert.True(DockerOutput.Matches(web, "3f2a9c1b7d4e"));
            Assert.False(DockerOutput.Matches(web, "3f2a"));
            Assert.False(DockerOutput.Matches(web, "we"));
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
