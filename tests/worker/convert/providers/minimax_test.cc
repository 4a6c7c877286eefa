#include "worker/convert/providers/minimax.h"

#include <gtest/gtest.h>

#include "provider_test_util.h"

namespace ccproxy::convert {
namespace {

using nlohmann::json;
using worker::Provider;

TEST(MiniMax, ThinkingGoesBackInlineAsThinkTags) {
  const std::string model = "minimaxi/MiniMax-M2";
  const std::string response = R"({"choices":[{"index":0,"finish_reason":"tool_calls","message":{
    "role":"assistant","content":"<think>\nNeed ls.\n</think>\n\nLet me look.",
    "tool_calls":[{"id":"call_m","type":"function",
    "function":{"name":"Bash","arguments":"{\"command\":\"ls\"}"}}]}}]})";
  auto converted =
      to_anthropic_response(response, testing::provider_context(Provider::minimax, model));
  ASSERT_TRUE(converted.ok());
  const json message = json::parse(converted->body);
  ASSERT_EQ(message["content"][0]["type"], "thinking");
  json request = testing::tool_turn_request(message["content"][0]["thinking"],
                                            message["content"][0]["signature"], "call_m");
  request["model"] = model;
  const json out = testing::convert_as(Provider::minimax, request);
  const std::string content = out["messages"][1]["content"];
  EXPECT_EQ(content, "<think>\nNeed ls.\n</think>\n\nLet me look.");  // as MiniMax wrote it
  EXPECT_FALSE(out["messages"][1].contains("reasoning_content"));
  EXPECT_FALSE(out.contains("thinking"));
  // Unsigned (another model's) thinking is not put back.
  request["messages"][1]["content"][0]["signature"] = "";
  EXPECT_EQ(testing::convert_as(Provider::minimax, request)["messages"][1]["content"],
            "Let me look.");
}

}  // namespace
}  // namespace ccproxy::convert
