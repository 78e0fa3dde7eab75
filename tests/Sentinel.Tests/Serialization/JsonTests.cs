using System.Collections.Generic;
using System.Linq;
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

        [Theory]
        [InlineData(64, true)]
        [InlineData(65, false)]
        public void NestsAtMostMaxDepthDeep(int depth, bool parses)
        {
            var text = new string('[', depth) + new string(']', depth);
            if (parses)
            {
                Assert.IsType<List<object?>>(Json.Parse(text));
            }
            else
            {
                Assert.Contains("nest more than 64 deep", Assert.Throws<JsonException>(() => Json.Parse(text)).Message);
            }
        }

        [Fact]
        public void HundredThousandNestedBracketsAreAnErrorNotAStackOverflow()
        {
            // Before the depth limit this overflowed the stack, which no catch can stop: the process died.
            Assert.Throws<JsonException>(() => Json.Parse(new string('[', 100_000)));
            Assert.Throws<JsonException>(() => Json.Parse(string.Concat(Enumerable.Repeat("{\"a\":", 100_000))));
        }

        [Theory]
        [InlineData("1e309")]
        [InlineData("-1e309")]
        [InlineData("\"\\u 12a\"")]
        [InlineData("\"\\u12\"")]
        [InlineData("\"a\u0000b\"")]
        [InlineData("\"tab\tinside\"")]
        public void RefusesNumbersADoubleCannotHoldLooseEscapesAndRawControlCharacters(string text)
            => Assert.Throws<JsonException>(() => Json.Parse(text));

        [Fact]
        public void HostileTextOnlyEverEndsInAJsonException()
        {
            const string sample = "{\"servers\": [{\"name\": \"web\\u00e9\", \"port\": 2222, \"tags\": [\"a\", true, null, -1.5e3]}]}";
            HostileInput.EachEndsIn<JsonException>(HostileInput.Structured(sample).Concat(HostileInput.Random(sample)), text => Json.Parse(text));
        }
    }
}
