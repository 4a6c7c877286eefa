// to_openai_request / to_passthrough_request beyond the golden files: the real Claude Code
// fixture, model mapping, clamping, and totality on damaged input.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "golden_options.h"
#include "worker/convert/convert.h"
#include "worker/convert/model_mapping.h"

namespace ccproxy::convert {
namespace {

using nlohmann::json;

TEST(Request, ClaudeCodeFixtureConverts) {
  const std::string body = testing::claude_code_fixture();
  ASSERT_GT(body.size(), 80000u);
  auto result = to_openai_request(body, testing::golden_request_options());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->client_model, "claude-opus-4-8");
  EXPECT_EQ(result->upstream_model, "glm-4.6");
  EXPECT_TRUE(result->stream);
  json out = json::parse(result->body);
  EXPECT_EQ(out["model"], "glm-4.6");
  EXPECT_EQ(out["max_tokens"], 32000);  // 64000 clamped by the golden limits
  EXPECT_EQ(out["stream"], true);
  EXPECT_EQ(out["stream_options"]["include_usage"], true);
  ASSERT_EQ(out["tools"].size(), 25u);
  for (const auto& tool : out["tools"]) {
    EXPECT_EQ(tool["type"], "function");
    EXPECT_TRUE(tool["function"]["parameters"].is_object());
  }
  // Ignored fields stay out.
  for (const char* key : {"metadata", "thinking", "context_management", "output_config"}) {
    EXPECT_FALSE(out.contains(key)) << key;
  }
  // The system prompt leads; the trailing role:"system" message is kept, last, with its text.
  json in = json::parse(body);
  const auto& messages = out["messages"];
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0]["role"], "system");
  EXPECT_EQ(messages[1]["role"], "user");
  EXPECT_EQ(messages[2]["role"], "system");
  EXPECT_EQ(messages[2]["content"], in["messages"][1]["content"]);
  // Tool schemas survive unchanged.
  for (size_t i = 0; i < 25; ++i) {
    EXPECT_EQ(out["tools"][i]["function"]["parameters"], in["tools"][i]["input_schema"]);
    EXPECT_EQ(out["tools"][i]["function"]["name"], in["tools"][i]["name"]);
    EXPECT_EQ(out["tools"][i]["function"]["description"], in["tools"][i]["description"]);
  }
  std::string system_text;
  for (const auto& block : in["system"]) {
    if (!system_text.empty()) {
      system_text += "\n\n";
    }
    system_text += block["text"].get<std::string>();
  }
  EXPECT_EQ(messages[0]["content"], system_text);
}

TEST(Request, EveryTruncationOfTheFixtureIsACleanError) {
  const std::string body = testing::claude_code_fixture();
  const auto options = testing::golden_request_options();
  // Bounded: every 97th prefix plus the last 64 bytes one by one.
  for (size_t n = 0; n < body.size(); n += (n + 64 >= body.size() ? 1 : 97)) {
    auto result = to_openai_request(std::string_view(body).substr(0, n), options);
    ASSERT_FALSE(result.ok()) << n;
    EXPECT_EQ(result.error().status, 400);
    EXPECT_EQ(result.error().type, "invalid_request_error");
  }
}

TEST(Request, ByteFlipsNeverCrashAndOutputIsJson) {
  const std::string original = testing::claude_code_fixture();
  const auto options = testing::golden_request_options();
  uint32_t seed = 12345;
  for (int i = 0; i < 300; ++i) {
    std::string body = original;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 1664525u + 1013904223u;
      body[seed % body.size()] = char(seed >> 24);
    }
    auto result = to_openai_request(body, options);
    if (result.ok()) {
      EXPECT_FALSE(json::parse(result->body, nullptr, false).is_discarded());
    } else {
      EXPECT_EQ(result.error().status, 400);
    }
  }
}

TEST(Request, PassthroughKeepsTheBodyButMapsModelAndClampsMaxTokens) {
  const std::string body =
      R"({ "model" : "claude-3-5-haiku", "max_tokens":99999, "messages":[{"role":"user","content":"hi \"model\": x"}],)"
      R"( "metadata":{"model":"keep"}, "temperature": 1.0 })";
  auto result = to_passthrough_request(body, testing::golden_request_options());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(
      result->body,
      R"({ "model" : "glm-4.5-air", "max_tokens":32000, "messages":[{"role":"user","content":"hi \"model\": x"}],)"
      R"( "metadata":{"model":"keep"}, "temperature": 1.0 })");
  EXPECT_EQ(result->upstream_model, "glm-4.5-air");
  auto bad =
      to_passthrough_request(R"({"model":"x","messages":[]})", testing::golden_request_options());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "max_tokens: field required");
}

TEST(Request, PassthroughAcceptsWhatOnlyAnthropicSupports) {
  const std::string body =
      R"({"model":"claude-sonnet-4","max_tokens":10,"messages":[{"role":"user","content":[)"
      R"({"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}},)"
      R"({"type":"image","source":{"type":"file","file_id":"file_1"}}]}]})";
  auto translated = to_openai_request(body, testing::golden_request_options());
  ASSERT_FALSE(translated.ok());
  EXPECT_EQ(translated.error().status, 400);
  auto passed = to_passthrough_request(body, testing::golden_request_options());
  ASSERT_TRUE(passed.ok()) << passed.error().message;
  EXPECT_NE(passed->body.find("application/pdf"), std::string::npos);
  EXPECT_NE(passed->body.find("\"model\":\"glm-4.5\""), std::string::npos);
}

TEST(Request, PassthroughForwardsARepairedBody) {
  const std::string body =
      "{\"model\":\"claude-sonnet-4\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\","
      "\"content\":\"bad \xff byte, cut pair \\ud83d end\"}]}";
  auto passed = to_passthrough_request(body, testing::golden_request_options());
  ASSERT_TRUE(passed.ok()) << passed.error().message;
  json out = json::parse(passed->body, nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << passed->body;
  EXPECT_EQ(out["messages"][0]["content"], "bad \xEF\xBF\xBD byte, cut pair \xEF\xBF\xBD end");
  EXPECT_EQ(out["model"], "glm-4.5");
}

TEST(ModelMapping, FamiliesPassthroughAndFallbacks) {
  worker::ModelMap m{"big-m", "mid-m", "small-m", "", "", "", true};
  EXPECT_EQ(map_model("claude-opus-4-1", m), "big-m");
  EXPECT_EQ(map_model("claude-SONNET-4-5", m), "mid-m");
  EXPECT_EQ(map_model("claude-3-5-Haiku-20241022", m), "small-m");
  EXPECT_EQ(map_model("unknown", m), "big-m");
  EXPECT_EQ(map_model("vendor/model", m), "vendor/model");
  EXPECT_EQ(map_model("mid-m", m), "mid-m");
  m.passthrough_provider_models = false;
  EXPECT_EQ(map_model("vendor/model", m), "big-m");
  EXPECT_EQ(map_model("anthropic/claude-haiku", m), "small-m");
  worker::ModelMap only_big{"b", "", "", "", "", "", true};
  EXPECT_EQ(map_model("claude-haiku", only_big), "b");
  EXPECT_EQ(map_model("claude-sonnet", only_big), "b");
  worker::ModelMap none{"", "", "", "", "", "", true};
  EXPECT_EQ(map_model("claude-sonnet", none), "claude-sonnet");
}

TEST(Request, ReasoningContentInHistoryWhenAsked) {
  auto options = testing::golden_request_options();
  options.reasoning_content_in_history = true;
  const std::string body =
      R"({"model":"claude-sonnet-4","max_tokens":10,"messages":[{"role":"user","content":"q"},)"
      R"({"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":""},{"type":"text","text":"a"}]}]})";
  auto result = to_openai_request(body, options);
  ASSERT_TRUE(result.ok());
  json out = json::parse(result->body);
  EXPECT_EQ(out["messages"][1]["reasoning_content"], "hmm");
  options.reasoning_content_in_history = false;
  out = json::parse(to_openai_request(body, options)->body);
  EXPECT_FALSE(out["messages"][1].contains("reasoning_content"));
}

TEST(Request, InvalidUtf8IsReplacedNotRejected) {
  const std::string body =
      "{\"model\":\"claude-sonnet-4\",\"max_tokens\":10,\"messages\":[{\"role\":"
      "\"user\",\"content\":\"bad \xff\xfe byte\"}]}";
  auto result = to_openai_request(body, testing::golden_request_options());
  ASSERT_TRUE(result.ok()) << result.error().message;
  json out = json::parse(result->body);
  EXPECT_EQ(out["messages"][0]["content"], "bad \xEF\xBF\xBD\xEF\xBF\xBD byte");
}

}  // namespace
}  // namespace ccproxy::convert

namespace ccproxy::convert {
namespace {

// Every public entry point on damaged versions of every fixture: no crash, and whatever is
// returned is valid JSON or a clean error (run under ASan/UBSan with CCPROXY_SANITIZE=ON).
TEST(Totality, EveryEntryPointOnDamagedFixtures) {
  std::vector<std::string> inputs;
  for (const char* kind : {"request", "response", "stream"}) {
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::path(CCPROXY_GOLDEN_DIR) / kind)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      inputs.push_back(ss.str());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  ASSERT_GT(inputs.size(), 50u);
  const auto options = testing::golden_request_options();
  uint32_t seed = 1;
  auto next = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  for (int round = 0; round < 4000; ++round) {
    std::string s = inputs[next() % inputs.size()];
    const int edits = int(next() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t at = next() % s.size();
      if (next() % 2 == 0) {
        s[at] = char(next());
      } else {
        s.erase(at, 1 + next() % 8);
      }
    }
    auto request = to_openai_request(s, options);
    if (request.ok()) {
      ASSERT_FALSE(json::parse(request->body, nullptr, false).is_discarded()) << s;
    } else {
      ASSERT_EQ(request.error().status, 400);
    }
    auto passthrough = to_passthrough_request(s, options);
    if (request.ok()) {
      ASSERT_TRUE(passthrough.ok()) << s;  // pass-through validation is never stricter
    }
    if (passthrough.ok()) {
      ASSERT_FALSE(json::parse(passthrough->body, nullptr, false).is_discarded()) << s;
    }
    auto response = to_anthropic_response(s, testing::golden_response_context());
    if (response.ok()) {
      ASSERT_FALSE(json::parse(response->body, nullptr, false).is_discarded()) << s;
    } else {
      ASSERT_GE(response.error().status, 400);
      ASSERT_FALSE(json::parse(error_body(response.error()), nullptr, false).is_discarded());
    }
    auto tokens = count_tokens(s);
    if (tokens.ok()) {
      ASSERT_GE(*tokens, 0);
    }
    anthropic_usage(s);  // must not crash (checked under the sanitizers)
    const ApiError error = upstream_error(int(next() % 700), s);
    ASSERT_FALSE(json::parse(error_body(error), nullptr, false).is_discarded()) << s;
  }
}

}  // namespace
}  // namespace ccproxy::convert

namespace ccproxy::convert {
namespace {

// Content blocks must be objects with a string `type`, in user and assistant messages alike.
TEST(Request, ContentBlocksNeedAnObjectWithAStringType) {
  const auto options = testing::golden_request_options();
  struct Case {
    const char* content;
    const char* message;
  };
  const Case cases[] = {
      {R"([{"text":"hi"}])", "messages.0.content.0.type: field required"},
      {R"([{"type":7}])", "messages.0.content.0.type: expected a string, got a number"},
      {R"(["hi"])", "messages.0.content.0: expected an object, got a string"},
  };
  for (const char* role : {"user", "assistant"}) {
    for (const auto& c : cases) {
      std::string body = std::string(R"({"model":"claude-sonnet-4-5","max_tokens":10,)") +
                         R"("messages":[{"role":")" + role + R"(","content":)" + c.content + "}]}";
      auto result = to_openai_request(body, options);
      ASSERT_FALSE(result.ok()) << role << " " << c.content;
      EXPECT_EQ(result.error().status, 400);
      EXPECT_EQ(result.error().message, c.message) << role << " " << c.content;
    }
  }
}

}  // namespace
}  // namespace ccproxy::convert
