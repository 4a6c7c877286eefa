// The pieces the stream translator is built from: <think> splitting, JSON completion and
// tool-call assembly.

#include <gtest/gtest.h>

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "worker/convert/json_completion.h"
#include "worker/convert/stream_tool_calls.h"
#include "worker/convert/think_splitter.h"

namespace ccproxy::convert::detail {
namespace {

// Records the pieces, merging consecutive ones of the same kind.
struct Pieces final : ThinkSplitter::Sink {
  std::vector<std::pair<std::string, std::string>> got;  // kind, text
  void add(const char* kind, std::string_view data) {
    if (!got.empty() && got.back().first == kind) {
      got.back().second.append(data);
    } else {
      got.emplace_back(kind, std::string(data));
    }
  }
  void thinking(std::string_view data) override { add("thinking", data); }
  void text(std::string_view data) override { add("text", data); }
};

std::vector<std::pair<std::string, std::string>> split(const std::vector<std::string>& chunks) {
  ThinkSplitter splitter;
  Pieces pieces;
  for (const std::string& c : chunks) {
    splitter.feed(c, pieces);
  }
  splitter.flush(pieces);
  return pieces.got;
}

using Got = std::vector<std::pair<std::string, std::string>>;

TEST(ThinkSplitter, TagsSplitAcrossChunks) {
  EXPECT_EQ(split({"  <thi", "nk>plan", " it</th", "ink>\n\nThe answer", "."}),
            (Got{{"thinking", "plan it"}, {"text", "The answer."}}));
}

TEST(ThinkSplitter, ContentWithoutThinkIsText) {
  EXPECT_EQ(split({"<b>", "bold</b>"}), (Got{{"text", "<b>bold</b>"}}));
  EXPECT_EQ(split({"<thin"}), (Got{{"text", "<thin"}}));  // held, then delivered at the end
}

TEST(ThinkSplitter, WhitespaceOnlyContentIsNothing) {
  EXPECT_EQ(split({" \n", "\t"}), Got{});
}

TEST(ThinkSplitter, UnclosedThinkIsThinking) {
  EXPECT_EQ(split({"<think>still going</thi"}), (Got{{"thinking", "still going</thi"}}));
}

TEST(JsonCompletion, CountsTheBytesUpToTheValuesEnd) {
  JsonCompletion json;
  EXPECT_EQ(json.feed(R"({"a":"}\"")"), 10u);
  EXPECT_FALSE(json.complete());
  EXPECT_EQ(json.feed(R"(,"b":[1]}{"a":1})"), 9u);
  EXPECT_TRUE(json.complete());
  EXPECT_EQ(json.feed("}"), 0u);
}

TEST(ToolCall, TakesArgumentsWithoutLeadingSpaceOrTrailingBytes) {
  ToolCall call;
  EXPECT_EQ(call.take_arguments(" \n"), "");
  EXPECT_EQ(call.take_arguments("\t{\"x\": "), "{\"x\": ");
  EXPECT_EQ(call.take_arguments("1}{\"x\": 1}"), "1}");
  EXPECT_EQ(call.arguments, "{\"x\": 1}");
  simdjson::dom::parser parser;
  std::string scratch;
  EXPECT_TRUE(call.arguments_are_object(parser, scratch));
  ToolCall broken;
  broken.take_arguments("[1]");
  EXPECT_FALSE(broken.arguments_are_object(parser, scratch));
  EXPECT_TRUE(ToolCall{}.arguments_are_object(parser, scratch));  // none at all: input {}
}

ToolCallDelta read(simdjson::dom::parser& parser, const std::string& json, std::string& scratch) {
  ToolCallDelta delta;
  EXPECT_TRUE(read_tool_call_delta(parser.parse(json).value(), scratch, delta));
  return delta;
}

TEST(ToolCalls, ReadsTheDeltaOfOneCall) {
  simdjson::dom::parser parser;
  std::string scratch;
  const ToolCallDelta d = read(
      parser, R"({"index":2,"id":"c1","function":{"name":"Read","arguments":{"a":1}}})", scratch);
  EXPECT_TRUE(d.has_index);
  EXPECT_EQ(d.id, "c1");
  EXPECT_EQ(d.name, "Read");
  EXPECT_EQ(d.arguments, R"({"a":1})");  // an object is written out as text
  ToolCallDelta none;
  EXPECT_FALSE(read_tool_call_delta(parser.parse(std::string("[1]")).value(), scratch, none));
}

TEST(ToolCalls, KeyedByIndexOrElseById) {
  ToolCalls calls;
  simdjson::dom::parser parser;
  std::string scratch;
  const size_t a =
      calls.add(read(parser, R"({"index":0,"id":"a","function":{"name":"Read"}})", scratch));
  EXPECT_EQ(calls.add(read(parser, R"({"index":0,"function":{"arguments":"{}"}})", scratch)), a);
  calls[a].take_arguments("{}");
  // The same index with a new id, a name and arguments after a complete call: a new call.
  const size_t b = calls.add(
      read(parser, R"({"index":0,"id":"b","function":{"name":"Grep","arguments":"{"}})", scratch));
  EXPECT_NE(b, a);
  EXPECT_EQ(calls[b].id, "b");
  EXPECT_EQ(calls[b].name, "Grep");
  // Without an index: the latest call continues unless a new id comes.
  EXPECT_EQ(calls.add(read(parser, R"({"function":{"arguments":"}"}})", scratch)), b);
  const size_t c = calls.add(read(parser, R"({"id":"c","function":{"name":"Ls"}})", scratch));
  EXPECT_EQ(c, 2u);
  EXPECT_EQ(calls.size(), 3u);
}

}  // namespace
}  // namespace ccproxy::convert::detail
