// Every recorded upstream stream, fed split at every byte boundary and in 1-byte pieces,
// must give exactly the events of feeding it whole; and the events must form a valid
// Anthropic stream whose content is what the upstream sent.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "anthropic_stream_checker.h"
#include "golden_options.h"
#include "worker/convert/convert.h"

namespace ccproxy::convert {
namespace {

namespace fs = std::filesystem;
using testing::StreamSummary;

std::string read_stream(const std::string& name) {
  std::ifstream in(fs::path(CCPROXY_GOLDEN_DIR) / "stream" / (name + ".sse"), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string translate(const std::vector<std::string_view>& pieces) {
  StreamTranslator translator(testing::golden_response_context());
  std::string out;
  for (auto piece : pieces) {
    translator.feed(piece, out);
  }
  translator.finish(out);
  return out;
}

StreamSummary summarize(const std::string& name) {
  const std::string bytes = read_stream(name);
  const std::string out = translate({bytes});
  StreamSummary summary;
  EXPECT_EQ(testing::check_anthropic_stream(out, summary), "") << out;
  return summary;
}

TEST(StreamSplit, EveryByteBoundaryGivesTheSameEvents) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(CCPROXY_GOLDEN_DIR) / "stream")) {
    if (entry.path().extension() == ".sse") {
      names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  ASSERT_GE(names.size(), 10u);
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const std::string bytes = read_stream(name);
    const std::string whole = translate({bytes});
    StreamSummary summary;
    ASSERT_EQ(testing::check_anthropic_stream(whole, summary), "") << whole;
    std::string_view all(bytes);
    for (size_t cut = 0; cut <= bytes.size(); ++cut) {
      ASSERT_EQ(translate({all.substr(0, cut), all.substr(cut)}), whole) << "cut at " << cut;
    }
    std::vector<std::string_view> ones;
    for (size_t i = 0; i < bytes.size(); ++i) {
      ones.push_back(all.substr(i, 1));
    }
    EXPECT_EQ(translate(ones), whole) << "1-byte pieces";
  }
}

TEST(StreamSplit, GlmToolCallWithNewIdPerDeltaIsOneBlock) {
  auto s = summarize("glm_tool_calls_new_id_per_delta");
  ASSERT_EQ(s.blocks.size(), 2u);
  EXPECT_EQ(s.blocks[0].type, "text");
  EXPECT_EQ(s.blocks[1].type, "tool_use");
  EXPECT_EQ(s.blocks[1].id, "call_a1");
  EXPECT_EQ(s.blocks[1].name, "Bash");
  auto input = nlohmann::json::parse(s.blocks[1].text);
  EXPECT_EQ(input["command"], "ls -la");
  EXPECT_EQ(input["description"], "List \"files\"");
  EXPECT_EQ(s.stop_reason, "tool_use");
  EXPECT_EQ(s.input_tokens, 500);
  EXPECT_EQ(s.output_tokens, 40);
}

TEST(StreamSplit, MiniMaxThinkTagsBecomeAThinkingBlock) {
  auto s = summarize("minimax_think_tags");
  ASSERT_EQ(s.blocks.size(), 2u);
  EXPECT_EQ(s.blocks[0].type, "thinking");
  EXPECT_EQ(s.blocks[0].text, "\nThe user asks 2+2.");
  EXPECT_EQ(s.blocks[1].type, "text");
  EXPECT_EQ(s.blocks[1].text, "It is 4.");
}

TEST(StreamSplit, ReasoningContentThenTextThenTool) {
  auto s = summarize("reasoning_content_then_tool");
  ASSERT_EQ(s.blocks.size(), 3u);
  EXPECT_EQ(s.blocks[0].type, "thinking");
  EXPECT_EQ(s.blocks[0].text, "I need the file. Read it.");
  EXPECT_EQ(s.blocks[1].text, "Reading now.");
  EXPECT_EQ(nlohmann::json::parse(s.blocks[2].text)["file_path"], "/a/b.txt");
  EXPECT_EQ(s.input_tokens, 100);  // 1000 prompt - 900 cached
  EXPECT_EQ(s.cache_read_input_tokens, 900);
}

TEST(StreamSplit, ParallelToolCallsInterleavedStayApart) {
  auto s = summarize("parallel_tool_calls_interleaved");
  ASSERT_EQ(s.blocks.size(), 2u);
  EXPECT_EQ(s.blocks[0].name, "A");
  EXPECT_EQ(s.blocks[0].text, "{\"p\":1}");
  EXPECT_EQ(s.blocks[1].name, "B");
  EXPECT_EQ(s.blocks[1].text, "{\"q\":2}");
}

TEST(StreamSplit, ParallelToolCallsSequential) {
  auto s = summarize("parallel_tool_calls_sequential");
  ASSERT_EQ(s.blocks.size(), 2u);
  EXPECT_EQ(s.blocks[0].text, "{\"pattern\":\"*.cc\"}");
  EXPECT_EQ(s.blocks[1].text, "{\"pattern\":\"TODO\"}");
  EXPECT_EQ(s.stop_reason, "tool_use");
}

TEST(StreamSplit, GeminiToolCallsWithoutIndexAndStopFinish) {
  auto s = summarize("gemini_router_tool_calls_stop");
  ASSERT_EQ(s.blocks.size(), 3u);
  EXPECT_EQ(s.blocks[1].id, "g1");
  EXPECT_EQ(s.blocks[2].id, "g2");
  EXPECT_EQ(s.stop_reason, "tool_use");
}

TEST(StreamSplit, UsageTrailerWithEmptyChoices) {
  auto s = summarize("openai_text_usage_trailer");
  ASSERT_EQ(s.blocks.size(), 1u);
  EXPECT_EQ(s.blocks[0].text, "Hello, world! 😀 é");
  EXPECT_EQ(s.input_tokens, 20);
  EXPECT_EQ(s.cache_read_input_tokens, 10);
  EXPECT_EQ(s.output_tokens, 4);
  EXPECT_TRUE(s.message_stopped);
}

TEST(StreamSplit, MissingDoneAfterFinishEndsNormally) {
  auto s = summarize("content_and_finish_one_chunk_no_done");
  EXPECT_TRUE(s.message_stopped);
  EXPECT_EQ(s.blocks[0].text, "All done.");
  EXPECT_EQ(s.stop_reason, "end_turn");
}

TEST(StreamSplit, MissingUsageGivesZeros) {
  auto s = summarize("length_no_usage");
  EXPECT_EQ(s.stop_reason, "max_tokens");
  EXPECT_EQ(s.output_tokens, 0);
}

TEST(StreamSplit, CutStreamClosesBlocksThenErrors) {
  auto s = summarize("cut_mid_tool_call");
  EXPECT_TRUE(s.errored);
  EXPECT_FALSE(s.message_stopped);
  EXPECT_EQ(s.error_type, "api_error");
  ASSERT_EQ(s.blocks.size(), 2u);
  EXPECT_TRUE(s.blocks[1].closed);
  EXPECT_EQ(s.blocks[1].text, "{\"file_path\":\"x\",\"content\":\"par");  // nothing lost
  EXPECT_EQ(std::count(s.event_types.begin(), s.event_types.end(), "message_delta"), 0);
}

TEST(StreamSplit, MidStreamErrorObjectStopsEverything) {
  auto s = summarize("mid_stream_error");
  EXPECT_TRUE(s.errored);
  EXPECT_EQ(s.error_type, "overloaded_error");
  ASSERT_EQ(s.blocks.size(), 1u);
  EXPECT_EQ(s.blocks[0].text, "Start");
  EXPECT_TRUE(s.blocks[0].closed);
}

TEST(StreamSplit, EmptyStreamIsAnError) {
  auto s = summarize("empty");
  EXPECT_TRUE(s.errored);
  EXPECT_FALSE(s.message_started);
}

TEST(StreamTranslatorApi, NothingAfterMessageStopOrError) {
  StreamTranslator t(testing::golden_response_context());
  std::string out;
  t.feed(
      "data: "
      "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n",
      out);
  EXPECT_TRUE(t.finished());
  const size_t size = out.size();
  t.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"}}]}\n\n", out);
  t.finish(out);
  t.fail(ApiError{502, "api_error", "late"}, out);
  EXPECT_EQ(out.size(), size);
}

TEST(StreamTranslatorApi, FailClosesOpenBlocksAndEmitsError) {
  StreamTranslator t(testing::golden_response_context());
  std::string out;
  t.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"<think>partial </th\"}}]}\n\n",
         out);
  t.fail(ApiError{504, "api_error", "upstream timed out"}, out);
  StreamSummary s;
  ASSERT_EQ(testing::check_anthropic_stream(out, s), "") << out;
  EXPECT_TRUE(s.errored);
  ASSERT_EQ(s.blocks.size(), 1u);
  EXPECT_EQ(s.blocks[0].type, "thinking");
  EXPECT_EQ(s.blocks[0].text, "partial </th");  // the held-back tail is not lost
  EXPECT_TRUE(s.blocks[0].closed);
  EXPECT_TRUE(t.finished());
}

// A 200 that is not a stream (a login portal's page, a base_url pointing at a website): the
// error says what came instead of "ended before the response was complete".
TEST(StreamTranslatorApi, AnAnswerThatIsNotAStreamIsQuotedInTheError) {
  StreamTranslator t(testing::golden_response_context());
  std::string out;
  t.feed("\r\n<!DOCTYPE html>\n<html><head><title>Sign in</title></head>", out);
  t.feed("<body>" + std::string(300, 'x') + "</body></html>\n", out);
  EXPECT_EQ(out, "");
  t.finish(out);
  StreamSummary s;
  ASSERT_EQ(testing::check_anthropic_stream(out, s), "") << out;
  EXPECT_TRUE(s.errored);
  EXPECT_NE(out.find("upstream did not answer with an event stream; it began: <!DOCTYPE html> "
                     "<html><head><title>Sign in</title>"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("xxx...\""), std::string::npos) << out;  // cut at 200 bytes

  // Nothing at all is still "ended before the response was complete".
  StreamTranslator empty(testing::golden_response_context());
  std::string none;
  empty.feed("\n\n", none);
  empty.finish(none);
  EXPECT_NE(none.find("ended before the response was complete"), std::string::npos) << none;
}

TEST(StreamTranslatorApi, OversizedLineBecomesAnError) {
  StreamTranslator t(testing::golden_response_context());
  std::string out;
  std::string big(1 << 20, 'x');
  for (int i = 0; i < 12 && !t.finished(); ++i) {
    t.feed(big, out);  // 12 MiB without a line break
  }
  EXPECT_TRUE(t.finished());
  StreamSummary s;
  ASSERT_EQ(testing::check_anthropic_stream(out, s), "") << out;
  EXPECT_TRUE(s.errored);
}

TEST(StreamTranslatorApi, UsageIsReported) {
  StreamTranslator t(testing::golden_response_context());
  std::string out;
  t.feed(read_stream("openai_text_usage_trailer"), out);
  t.finish(out);
  EXPECT_EQ(t.usage().input_tokens, 20);
  EXPECT_EQ(t.usage().cache_read_input_tokens, 10);
  EXPECT_EQ(t.usage().output_tokens, 4);
}

}  // namespace
}  // namespace ccproxy::convert

namespace ccproxy::convert {
namespace {

std::string content_chunk(std::string_view text) {
  return "data: " +
         nlohmann::json{{"choices", {{{"index", 0}, {"delta", {{"content", text}}}}}}}.dump() +
         "\n\n";
}

// <think> and </think> split between content deltas at every possible pair of points.
TEST(StreamSplit, ThinkTagsSplitAcrossDeltasAnywhere) {
  const std::string content = "  <think>a < b </thin> c</think>\n\nThe answer </think> stays.";
  for (size_t i = 0; i <= content.size(); ++i) {
    for (size_t j = i; j <= content.size(); ++j) {
      StreamTranslator t(testing::golden_response_context());
      std::string out;
      t.feed(content_chunk(content.substr(0, i)), out);
      t.feed(content_chunk(content.substr(i, j - i)), out);
      t.feed(content_chunk(content.substr(j)), out);
      t.feed("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
             out);
      t.finish(out);
      StreamSummary s;
      ASSERT_EQ(testing::check_anthropic_stream(out, s), "") << i << "," << j;
      ASSERT_EQ(s.blocks.size(), 2u) << i << "," << j << "\n" << out;
      EXPECT_EQ(s.blocks[0].type, "thinking");
      EXPECT_EQ(s.blocks[0].text, "a < b </thin> c") << i << "," << j;
      EXPECT_EQ(s.blocks[1].text, "The answer </think> stays.") << i << "," << j;
    }
  }
}

TEST(StreamSplit, TextThatOnlyLooksLikeAThinkTagStaysText) {
  for (const std::string content : {"<thinking is fun", "<th", "x <think>y</think>"}) {
    StreamTranslator t(testing::golden_response_context());
    std::string out;
    t.feed(content_chunk(content), out);
    t.feed("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n", out);
    t.finish(out);
    StreamSummary s;
    ASSERT_EQ(testing::check_anthropic_stream(out, s), "");
    ASSERT_EQ(s.blocks.size(), 1u) << content;
    EXPECT_EQ(s.blocks[0].type, "text");
    EXPECT_EQ(s.blocks[0].text, content);
  }
}

}  // namespace
}  // namespace ccproxy::convert

namespace ccproxy::convert {
namespace {

TEST(StreamTranslatorApi, InvalidUtf8FromUpstreamBecomesReplacementCharacters) {
  StreamTranslator t(testing::golden_response_context());
  std::string out;
  t.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"caf\xc3\"}}]}\n\n", out);
  t.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" lone \\ud800!\"}}]}\n\n", out);
  t.feed("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n", out);
  t.finish(out);
  StreamSummary s;
  ASSERT_EQ(testing::check_anthropic_stream(out, s), "") << out;
  ASSERT_EQ(s.blocks.size(), 1u);
  EXPECT_EQ(s.blocks[0].text, "caf\xEF\xBF\xBD lone \xEF\xBF\xBD!");
  EXPECT_TRUE(s.message_stopped);
}

}  // namespace
}  // namespace ccproxy::convert
