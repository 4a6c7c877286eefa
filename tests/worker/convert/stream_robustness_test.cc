// The translator is total: damaged streams (bytes flipped, cut, shuffled, random junk) still
// give a well-formed Anthropic event stream that ends in message_stop or error. And the
// stream checker itself rejects malformed streams (so the tests that rely on it can fail).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "anthropic_stream_checker.h"
#include "golden_options.h"
#include "worker/convert/convert.h"

namespace ccproxy::convert {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> recorded_streams() {
  std::vector<std::string> streams;
  for (const auto& entry : fs::directory_iterator(fs::path(CCPROXY_GOLDEN_DIR) / "stream")) {
    if (entry.path().extension() == ".sse") {
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      streams.push_back(ss.str());
    }
  }
  std::sort(streams.begin(), streams.end());
  return streams;
}

struct Lcg {
  uint32_t state;
  uint32_t next() {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  }
};

void expect_well_formed(const std::string& input, uint32_t seed) {
  StreamTranslator translator(testing::golden_response_context());
  std::string out;
  Lcg rng{seed};
  size_t pos = 0;
  while (pos < input.size()) {
    const size_t n = std::min<size_t>(input.size() - pos, 1 + rng.next() % 64);
    translator.feed(std::string_view(input).substr(pos, n), out);
    pos += n;
  }
  translator.finish(out);
  ASSERT_TRUE(translator.finished());
  testing::StreamSummary summary;
  const std::string problem = testing::check_anthropic_stream(out, summary);
  ASSERT_EQ(problem, "") << "seed " << seed << "\ninput:\n" << input << "\noutput:\n" << out;
  ASSERT_TRUE(summary.message_stopped || summary.errored);
  for (const auto& block : summary.blocks) {
    ASSERT_TRUE(block.closed) << "seed " << seed;
  }
}

TEST(StreamRobustness, MutatedRecordedStreams) {
  const auto streams = recorded_streams();
  ASSERT_FALSE(streams.empty());
  Lcg rng{7};
  const char interesting[] = {'\n', '\r', '"', '\\', '{', '}', '[', ']', ':', ',', '0', 'x', '\0'};
  for (int round = 0; round < 3000; ++round) {
    std::string s = streams[rng.next() % streams.size()];
    if (s.empty()) {
      continue;
    }
    const int edits = 1 + int(rng.next() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng.next() % s.size();
      switch (rng.next() % 5) {
        case 0:
          s[at] = char(rng.next());
          break;
        case 1:
          s[at] = interesting[rng.next() % sizeof interesting];
          break;
        case 2:
          s.erase(at, 1 + rng.next() % 16);
          break;
        case 3:
          s.insert(at, s.substr(rng.next() % s.size(), 1 + rng.next() % 40));
          break;
        default:
          s.resize(at);
          break;
      }
      if (s.empty()) {
        break;
      }
    }
    expect_well_formed(s, uint32_t(round));
    if (HasFatalFailure()) {
      return;
    }
  }
}

TEST(StreamRobustness, RandomJunk) {
  Lcg rng{99};
  const std::vector<std::string> pieces = {
      "data: ",
      "\n",
      "\r\n",
      "\n\n",
      "[DONE]",
      "{",
      "}",
      "\"choices\":[",
      "{\"index\":0,",
      "\"delta\":{",
      "\"content\":\"x\"",
      "\"reasoning_content\":\"r\"",
      "<think>",
      "</think>",
      "\"tool_calls\":[{\"index\":1,\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\"}}]",
      "\"finish_reason\":\"stop\"",
      "\"usage\":{\"prompt_tokens\":5}",
      "\"error\":{\"message\":\"m\"}",
      ",",
      "]",
      ": comment\n",
      "event: error\n",
      "\xff",
      "\xe4\xb8"};
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const int n = 1 + int(rng.next() % 40);
    for (int k = 0; k < n; ++k) {
      s += pieces[rng.next() % pieces.size()];
    }
    expect_well_formed(s, uint32_t(round));
    if (HasFatalFailure()) {
      return;
    }
  }
}

TEST(StreamChecker, RejectsMalformedStreams) {
  const std::string start =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":"
      "\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"input_"
      "tokens\":0,"
      "\"output_tokens\":0}}}\n\n";
  const std::string text0 =
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
  const std::string stop0 =
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
  const std::string delta_end =
      "event: message_delta\ndata: "
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
      "\"stop_sequence\":null},\"usage\":{\"output_tokens\":1}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  testing::StreamSummary s;
  EXPECT_EQ(testing::check_anthropic_stream(start + text0 + stop0 + delta_end, s), "");
  // Each of these breaks one rule.
  EXPECT_NE(testing::check_anthropic_stream(text0 + stop0 + delta_end, s), "");  // no start
  EXPECT_NE(testing::check_anthropic_stream(start + text0 + delta_end, s), "");  // block open
  EXPECT_NE(testing::check_anthropic_stream(start + stop0 + delta_end, s), "");  // stop w/o start
  EXPECT_NE(testing::check_anthropic_stream(start + text0 + text0 + stop0 + delta_end, s), "");
  std::string index1 = text0;
  index1.replace(index1.find("\"index\":0"), 9, "\"index\":1");
  EXPECT_NE(testing::check_anthropic_stream(start + index1 + delta_end, s), "");  // bad index
  EXPECT_NE(testing::check_anthropic_stream(start + text0 + stop0 + delta_end + text0, s), "");
  std::string wrong_type = start;
  wrong_type.replace(wrong_type.find("event: message_start"), 20, "event: message_delta");
  EXPECT_NE(testing::check_anthropic_stream(wrong_type, s), "");
  const std::string tool0 =
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      "\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
      "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}\n\n";
  EXPECT_NE(testing::check_anthropic_stream(start + tool0 + stop0 + delta_end, s), "");  // bad JSON
  const std::string text_in_tool =
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
      "{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n";
  EXPECT_NE(testing::check_anthropic_stream(start + tool0 + text_in_tool + stop0 + delta_end, s),
            "");
  EXPECT_NE(testing::check_anthropic_stream(start + "event: message_start\ndata: {}\n\n", s), "");
  EXPECT_NE(testing::check_anthropic_stream(
                start + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", s),
            "");
}

}  // namespace
}  // namespace ccproxy::convert
