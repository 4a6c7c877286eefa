// Top-level keys as ccproxy and the upstream read them: decoded (escapes count). A
// pass-through body goes upstream with exactly one model, the mapped one, and one max_tokens,
// the clamped one; a translated body carries only what was read (the first of a duplicate).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "golden_options.h"
#include "worker/convert/convert.h"

namespace ccproxy::convert {
namespace {

using nlohmann::json;

constexpr const char* kMessages = R"("messages":[{"role":"user","content":"hi"}])";

std::string request(const std::string& head) {
  return "{" + head + "," + kMessages + "}";
}

void expect_duplicate(const std::string& body, const std::string& key) {
  auto result = to_passthrough_request(body, testing::golden_request_options());
  ASSERT_FALSE(result.ok()) << result->body;
  EXPECT_EQ(result.error().status, 400);
  EXPECT_EQ(result.error().type, "invalid_request_error");
  EXPECT_EQ(result.error().message, key + ": duplicate key") << body;
}

TEST(RequestKeys, PassthroughMapsAndClampsKeysWrittenWithEscapes) {
  const std::string body = request(R"("mod\u0065l": "claude-opus-4-1", "max_tok\u0065ns": 99999)");
  auto result = to_passthrough_request(body, testing::golden_request_options());
  ASSERT_TRUE(result.ok()) << result.error().message;
  const json sent = json::parse(result->body);
  EXPECT_EQ(sent["model"], "glm-4.6");
  EXPECT_EQ(sent["max_tokens"], 32000);
  EXPECT_EQ(result->upstream_model, "glm-4.6");
  EXPECT_EQ(result->body.find("99999"), std::string::npos) << result->body;
  EXPECT_EQ(result->body.find("claude-opus"), std::string::npos) << result->body;
}

TEST(RequestKeys, EveryEscapeFormOfAKeyIsTheKey) {
  for (const std::string key :
       {R"(\u006dodel)", R"(mode\u006C)", R"(\u006D\u006f\u0064\u0065\u006c)"}) {
    auto result =
        to_passthrough_request(request("\"" + key + R"(":"claude-3-5-haiku","max_tokens":5)"),
                               testing::golden_request_options());
    ASSERT_TRUE(result.ok()) << key << ": " << result.error().message;
    EXPECT_EQ(json::parse(result->body)["model"], "glm-4.5-air") << key;
    EXPECT_EQ(json::parse(result->body)["max_tokens"], 16) << key;  // raised to the minimum
  }
}

TEST(RequestKeys, AnEscapedDuplicateCannotSmuggleASecondValue) {
  expect_duplicate(request(R"("model":"claude-opus-4-1","max_tokens":10,"max_tok\u0065ns":99999)"),
                   "max_tokens");
  expect_duplicate(request(R"("mod\u0065l":"x","model":"claude-opus-4-1","max_tokens":10)"),
                   "model");
}

TEST(RequestKeys, TranslationWritesTheValueItRead) {
  const std::string body =
      request(R"("model":"claude-3-5-haiku","max_tokens":10,"max_tok\u0065ns":99999,)"
              R"("mod\u0065l":"claude-opus-4-1")");
  auto translated = to_openai_request(body, testing::golden_request_options());
  ASSERT_TRUE(translated.ok()) << translated.error().message;
  const json sent = json::parse(translated->body);
  EXPECT_EQ(sent["model"], "glm-4.5-air");
  EXPECT_EQ(sent["max_tokens"], 16);
  EXPECT_EQ(translated->body.find("99999"), std::string::npos) << translated->body;
}

TEST(RequestKeys, PassthroughNamesEveryKeyCcproxyReadsOnce) {
  expect_duplicate(request(R"("model":"a","model":"b","max_tokens":10)"), "model");
  expect_duplicate(request(R"("model":"a","max_tokens":10,"stream":false,"str\u0065am":true)"),
                   "stream");
  expect_duplicate(request(R"("model":"a","max_tokens":10,"system":"x","sys\u0074em":"y")"),
                   "system");
  expect_duplicate(request(R"("model":"a","max_tokens":10,"tools":[],"tools":[])"), "tools");
  expect_duplicate(request(R"("model":"a","max_tokens":10,"temperature":1,"temperature":2)"),
                   "temperature");
  expect_duplicate(R"({"model":"a","max_tokens":10,"messages":[],)" + std::string(kMessages) + "}",
                   "messages");
}

TEST(RequestKeys, OtherKeysMayRepeatAndGoUpstreamAsSent) {
  const std::string body =
      request(R"("model":"claude-3-5-haiku","max_tokens":10,"metadata":{},"metadata":{"a":1})");
  auto translated = to_openai_request(body, testing::golden_request_options());
  ASSERT_TRUE(translated.ok()) << translated.error().message;
  auto passed = to_passthrough_request(body, testing::golden_request_options());
  ASSERT_TRUE(passed.ok()) << passed.error().message;
  EXPECT_NE(passed->body.find(R"("metadata":{},"metadata":{"a":1})"), std::string::npos);
}

TEST(RequestKeys, AKeyThatOnlyLooksLikeAReadKeyIsNotRewritten) {
  // "max_\tokens" is "max_" TAB "okens"; "model\/" is "model/": other keys, forwarded as sent.
  const std::string body =
      request(R"("model":"claude-3-5-haiku","max_tokens":10,"max_\tokens":5,"model\/":"m")");
  auto passed = to_passthrough_request(body, testing::golden_request_options());
  ASSERT_TRUE(passed.ok()) << passed.error().message;
  EXPECT_NE(passed->body.find(R"("max_\tokens":5,"model\/":"m")"), std::string::npos)
      << passed->body;
  const json sent = json::parse(passed->body);
  EXPECT_EQ(sent["model"], "glm-4.5-air");
  EXPECT_EQ(sent["max_tokens"], 16);
}

}  // namespace
}  // namespace ccproxy::convert
