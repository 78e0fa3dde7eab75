using System.Collections.Generic;
using Sentinel.Serialization;
using Xunit;

namespace Sentinel.Tests.Serialization
{
    public sealed class JsonTests
    {
        [Fact]
        public void ReportsTheLineAndColumnOfAnError()
        {
            var error = Assert.Throws<JsonException>(() => Json.Parse("{\n  \"servers\": [\n    { \"name\" \"a\" }\n  ]\n}"));
            Assert.Equal(3, error.Line);
            Assert.Equal(14, error.Column);
            Assert.Contains("line 3", error.Message);
        }

        [Fact]
        public void ReadsObjectKeysWithoutRegardToCase()
        {
            var root = (Dictionary<string, object?>)Json.Parse("{\"ComputerName\": \"web01\"}")!;
            Assert.Equal("web01", root["computername"]);
        }

        [Fact]
        public void QuoteRoundTrips()
        {
            var text = "tab\t \"quote\" back\\slash \u0001 ✓";
            Assert.Equal(text, Json.Parse(Json.Quote(text)));
        }
    }
}
