// The small pieces: JSON string writing, the SSE parser, upstream errors, usage, tokens.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "golden_options.h"
#include "worker/convert/base64.h"
#include "worker/convert/convert.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/sse_parser.h"
#include "worker/convert/token_estimate.h"

namespace ccproxy::convert {
namespace {

using nlohmann::json;

std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonWriter, EscapesControlCharactersQuotesAndBackslashes) {
  EXPECT_EQ(escaped("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(escaped("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(escaped(std::string("\x00\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f)"
                                                         "\x7f\"");
  EXPECT_EQ(escaped("é中😀"), "\"é中😀\"");
}

TEST(JsonWriter, InvalidUtf8BecomesReplacementCharacter) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(escaped("a\xff"
                    "b"),
            "\"a" + r + "b\"");
  EXPECT_EQ(escaped("\xc3"), "\"" + r + "\"");                          // truncated sequence
  EXPECT_EQ(escaped("\xc0\xaf"), "\"" + r + r + "\"");                  // overlong
  EXPECT_EQ(escaped("\xed\xa0\x80"), "\"" + r + r + r + "\"");          // UTF-16 surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), "\"" + r + r + r + r + "\"");  // > U+10FFFF
  for (int c = 0; c < 256; ++c) {
    std::string s(1, char(c));
    EXPECT_FALSE(json::parse(escaped(s), nullptr, false).is_discarded()) << c;
  }
}

TEST(JsonWriter, LoneSurrogateEscapesAreRepaired) {
  std::string text = R"({"a":"x\ud800y","b":"\ud83d\ude00","c":"\\ud800","d":"\udc00"})";
  EXPECT_TRUE(repair_lone_surrogates(text));
  EXPECT_EQ(text, R"({"a":"x\ufffdy","b":"\ud83d\ude00","c":"\\ud800","d":"\ufffd"})");
}

TEST(Base64, DecodesAndRejects) {
  std::string out;
  EXPECT_TRUE(base64_decode("SGVsbG8=", out));
  EXPECT_EQ(out, "Hello");
  EXPECT_TRUE(base64_decode("SGVs\nbG8", out));
  EXPECT_EQ(out, "Hello");
  EXPECT_FALSE(base64_decode("SGVsb*8=", out));
  EXPECT_FALSE(base64_decode("S", out));
}

std::vector<std::pair<std::string, std::string>> parse_sse(const std::vector<std::string>& pieces,
                                                           bool finish = false) {
  SseParser parser;
  std::vector<std::pair<std::string, std::string>> events;
  auto on = [&](const SseEvent& e) { events.emplace_back(e.event, e.data); };
  for (const auto& p : pieces) {
    parser.feed(p, on);
  }
  if (finish) {
    parser.finish(on);
  }
  return events;
}

TEST(SseParser, LineEndingsCommentsMultiLineData) {
  auto events = parse_sse(
      {"data: a\r\n\r\n: comment\n\nevent: x\rdata: b\rdata:c\r\rid: 1\nretry: 5\ndata: d\n\n"});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], std::make_pair(std::string(), std::string("a")));
  EXPECT_EQ(events[1], std::make_pair(std::string("x"), std::string("b\nc")));
  EXPECT_EQ(events[2], std::make_pair(std::string(), std::string("d")));
}

TEST(SseParser, FindLineEndAtEveryPosition) {
  // Around the 16-byte blocks of the vector scan and in the scalar tail.
  for (std::size_t at = 0; at < 40; ++at) {
    for (char end : {'\n', '\r'}) {
      std::string s(40, 'x');
      s[at] = end;
      EXPECT_EQ(find_line_end(s.data(), 0, s.size()), at) << at;
      EXPECT_EQ(find_line_end(s.data(), at + 1, s.size()), s.size()) << at;
      if (at > 0) {
        EXPECT_EQ(find_line_end(s.data(), 0, at), at) << "bounded by n";
      }
    }
  }
  const std::string both = "abc\r\ndef";
  EXPECT_EQ(find_line_end(both.data(), 0, both.size()), 3u);
  EXPECT_EQ(find_line_end(both.data(), 4, both.size()), 4u);
}

TEST(SseParser, SplitCrLfAcrossFeeds) {
  auto events = parse_sse({"data: a\r", "\n", "\r", "\ndata: b\r", "\r"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].second, "a");
  EXPECT_EQ(events[1].second, "b");
}

TEST(SseParser, FinishDeliversAnUnterminatedLastEvent) {
  EXPECT_TRUE(parse_sse({"data: [DONE]"}).empty());
  auto events = parse_sse({"data: [DONE]"}, true);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].second, "[DONE]");
}

TEST(SseParser, OversizedLineFailsWithoutGrowing) {
  SseParser parser(1024);
  int count = 0;
  auto on = [&](const SseEvent&) { ++count; };
  EXPECT_TRUE(parser.feed("data: ok\n\n", on));
  std::string chunk(600, 'x');
  EXPECT_TRUE(parser.feed("data: " + chunk, on));
  EXPECT_FALSE(parser.feed(chunk, on));
  EXPECT_TRUE(parser.failed());
  EXPECT_LE(parser.buffered_bytes(), 1024u);
  EXPECT_FALSE(parser.feed("\n\ndata: more\n\n", on));
  EXPECT_EQ(count, 1);
  // Many data lines of one event are bounded too.
  SseParser lines(1024);
  bool ok = true;
  for (int i = 0; i < 100 && ok; ++i) {
    ok = lines.feed("data: 0123456789012345678901234567890123456789\n", on);
  }
  EXPECT_FALSE(ok);
}

TEST(UpstreamError, StatusMappingAndMessages) {
  struct Case {
    int status;
    std::string body;
    int want_status;
    std::string want_type;
    std::string want_message;
  };
  const std::vector<Case> cases = {
      {400, R"({"error":{"message":"bad param","type":"invalid_request_error"}})", 400,
       "invalid_request_error", "bad param"},
      {401, R"({"error":{"message":"Invalid API key"}})", 401, "authentication_error",
       "Invalid API key"},
      {403, "forbidden", 403, "permission_error", "forbidden"},
      {404, R"({"type":"error","error":{"type":"not_found_error","message":"no model"}})", 404,
       "not_found_error", "no model"},
      {413, "", 413, "request_too_large", "upstream returned HTTP 413"},
      {429, R"({"error":{"message":"slow down","code":"rate_limited"}})", 429, "rate_limit_error",
       "slow down"},
      {500, R"({"message":"boom"})", 500, "api_error", "boom"},
      {502,
       "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad   "
       "Gateway</h1></body></html>",
       502, "api_error", "502 Bad Gateway Bad Gateway"},
      {503, R"({"error":{"message":"Service overloaded"}})", 503, "overloaded_error",
       "Service overloaded"},
      {503, "maintenance", 503, "api_error", "maintenance"},
      {529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", 529,
       "overloaded_error", "Overloaded"},
      {504, "", 504, "api_error", "upstream returned HTTP 504"},
      {200, R"({"error":"plain string"})", 502, "api_error", "plain string"},
      {422, R"({"detail":"validation failed"})", 422, "invalid_request_error", "validation failed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    ApiError e = upstream_error(c.status, c.body);
    EXPECT_EQ(e.status, c.want_status);
    EXPECT_EQ(e.type, c.want_type);
    EXPECT_EQ(e.message, c.want_message);
  }
  ApiError long_error = upstream_error(500, std::string(100000, 'z'));
  EXPECT_LT(long_error.message.size(), 400u);
}

TEST(ErrorBody, ShapeAndEvent) {
  ApiError e{400, "invalid_request_error", "messages: \"bad\""};
  EXPECT_EQ(
      error_body(e),
      R"({"type":"error","error":{"type":"invalid_request_error","message":"messages: \"bad\""}})");
  EXPECT_EQ(error_event(e), "event: error\ndata: " + error_body(e) + "\n\n");
}

TEST(AnthropicUsage, WholeBodyAndSse) {
  Usage u = anthropic_usage(
      R"({"id":"msg_1","type":"message","usage":{"input_tokens":12,"cache_read_input_tokens":5,"output_tokens":7}})");
  EXPECT_EQ(u.input_tokens, 12);
  EXPECT_EQ(u.cache_read_input_tokens, 5);
  EXPECT_EQ(u.output_tokens, 7);
  const std::string sse =
      "event: message_start\r\ndata: "
      "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":30,"
      "\"cache_read_input_tokens\":2,\"output_tokens\":1}}}\r\n\r\n"
      "event: content_block_delta\ndata: "
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
      "\"text_delta\",\"text\":\"\\\"usage\\\": 1\"}}\n\n"
      "event: message_delta\ndata: "
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
      "\"usage\":{\"output_tokens\":42}}\n\n";
  u = anthropic_usage(sse);
  EXPECT_EQ(u.input_tokens, 30);
  EXPECT_EQ(u.cache_read_input_tokens, 2);
  EXPECT_EQ(u.output_tokens, 42);
  u = anthropic_usage("garbage");
  EXPECT_EQ(u.input_tokens, 0);
}

TEST(CountTokens, CoversEverythingAndRejectsBadInput) {
  auto base = count_tokens(R"({"model":"m","messages":[{"role":"user","content":"Hello world"}]})");
  ASSERT_TRUE(base.ok());
  EXPECT_GT(*base, 2);
  auto with_system = count_tokens(
      R"({"model":"m","system":"You are a careful assistant who answers briefly.","messages":[{"role":"user","content":"Hello world"}]})");
  EXPECT_GT(*with_system, *base);
  auto with_tool = count_tokens(
      R"({"model":"m","messages":[{"role":"user","content":"Hello world"}],"tools":[{"name":"get_weather","description":"Get the weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]})");
  EXPECT_GT(*with_tool, *base + 10);
  auto with_image = count_tokens(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]}]})");
  EXPECT_GT(*with_image, 1000);
  auto with_result = count_tokens(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"a long tool output with many words in it to count"}]}]}]})");
  EXPECT_GT(*with_result, *base + 5);
  EXPECT_FALSE(count_tokens("nope").ok());
  EXPECT_FALSE(count_tokens(R"({"model":"m"})").ok());
  EXPECT_EQ(count_tokens(R"({"messages":7})").error().message,
            "messages: expected an array, got a number");
}

TEST(Response, TotalOnGarbage) {
  ResponseContext ctx{"msg_x", "claude", worker::Provider::generic, "m"};
  for (std::string body : {"", "{", "null", "[]", "{\"choices\":null}", "{\"choices\":[1]}",
                           "{\"choices\":[{\"message\":7}]}",
                           "{\"choices\":[{\"message\":{\"tool_calls\":[1,{\"function\":3}]}}]}"}) {
    auto r = to_anthropic_response(body, ctx);
    if (r.ok()) {
      EXPECT_FALSE(json::parse(r->body, nullptr, false).is_discarded()) << body;
    } else {
      EXPECT_GE(r.error().status, 400) << body;
    }
  }
}

}  // namespace
}  // namespace ccproxy::convert

namespace ccproxy::convert {
namespace {

TEST(SseParser, ByteOrderMarkAtStartIsSkipped) {
  auto events = parse_sse({"\xEF\xBB",
                           "\xBF"
                           "data: a\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].second, "a");
  events =
      parse_sse({"\xEF"
                 "data: a\n\n"});  // not a BOM: kept as part of the line
  EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace ccproxy::convert

namespace ccproxy::convert {
namespace {

// Reference counts from the @anthropic-ai/tokenizer npm package (the public Claude BPE;
// Claude 3+ models tokenize somewhat differently, so this bounds the estimate's shape, not
// the exact billing count).
TEST(TokenEstimate, CloseToAReferenceTokenizer) {
  struct Sample {
    const char* text;
    double reference;
  };
  const Sample samples[] = {
      {"The quick brown fox jumps over the lazy dog. Internationalization and implementation "
       "details matter a lot when you are writing software.",
       23},
      {"int main(int argc, char** argv) {\n  for (size_t i = 0; i < n; ++i) {\n    if (x[i] == "
       "'\\n') { return 42; }\n  }\n}\n",
       50},
      {R"({"type":"object","properties":{"file_path":{"type":"string","description":"The absolute path"},"limit":{"type":"integer","minimum":1}},"required":["file_path"],"additionalProperties":false})",
       44},
      {"这是一个用于测试的中文句子，包含一些常见的汉字。日本語のテキストもあります。", 31},
      {"1234567890 3.14159 2026-11-21 0xdeadbeef 65535", 16},
  };
  for (const auto& s : samples) {
    const double estimate = estimate_text_tokens(s.text);
    EXPECT_NEAR(estimate, s.reference, s.reference * 0.2) << s.text;
    // chars/4, the usual shortcut, for comparison: the estimate must not be worse.
    const double chars4 = double(std::string_view(s.text).size()) / 4.0;
    EXPECT_LE(std::abs(estimate - s.reference), std::abs(chars4 - s.reference) + 1) << s.text;
  }
}

TEST(TokenEstimate, ClaudeCodeFixtureWithinTenPercentOfReference) {
  auto count = count_tokens(testing::claude_code_fixture());
  ASSERT_TRUE(count.ok());
  // 17,165: the reference tokenizer over system text, message text, tool names,
  // descriptions and JSON schemas of the fixture (formatting overhead not included).
  EXPECT_NEAR(double(*count), 17165.0, 17165.0 * 0.10);
}

}  // namespace
}  // namespace ccproxy::convert

namespace ccproxy::convert {
namespace {

// The vectorized estimator gives exactly the byte-at-a-time result, whatever the text.
TEST(TokenEstimate, VectorizedEqualsScalar) {
  uint32_t seed = 3;
  auto next = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  const std::string alphabet = "aZ_ \t\n\r{}\":,.09\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80";
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t n = next() % 200;
    const int mode = int(next() % 4);
    for (size_t k = 0; k < n; ++k) {
      if (mode == 0) {
        text.push_back(alphabet[next() % alphabet.size()]);
      } else if (mode == 1) {
        text.push_back(char('a' + next() % 26));  // long words
        if (next() % 23 == 0) {
          text.push_back(' ');
        }
      } else if (mode == 2) {
        text.push_back(" \t\n"[next() % 3]);  // whitespace runs
        if (next() % 3 == 0) {
          text.push_back('x');
        }
      } else {
        text.push_back(char(next()));
      }
    }
    detail::TokenScan scan;
    detail::estimate_tokens_scalar(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                                   scan);
    ASSERT_EQ(estimate_text_tokens(text), double(scan.milli) / 1000.0) << round;
  }
}

}  // namespace
}  // namespace ccproxy::convert
