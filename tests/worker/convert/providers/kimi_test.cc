#include "worker/convert/providers/kimi.h"

#include <gtest/gtest.h>

#include "provider_test_util.h"

namespace ccproxy::convert {
namespace {

using nlohmann::json;
using worker::Provider;

constexpr const char* kModel = "moonshotai/kimi-k2-thinking";

TEST(Kimi, ReasoningContentComesBackFromTheSignedThinkingBlock) {
  // The answer the provider gave, as the client got it...
  const std::string response = R"({"choices":[{"index":0,"finish_reason":"tool_calls","message":{
    "role":"assistant","reasoning_content":"I should list files.","content":"Let me look.",
    "tool_calls":[{"id":"functions.Bash:0","type":"function",
    "function":{"name":"Bash","arguments":"{\"command\":\"ls\"}"}}]}}]})";
  auto converted =
      to_anthropic_response(response, testing::provider_context(Provider::kimi, kModel));
  ASSERT_TRUE(converted.ok());
  const json message = json::parse(converted->body);
  ASSERT_EQ(message["content"][0]["type"], "thinking");
  // ...sent back as Claude Code does.
  json request =
      testing::tool_turn_request(message["content"][0]["thinking"],
                                 message["content"][0]["signature"], message["content"][2]["id"]);
  request["model"] = kModel;
  const json out = testing::convert_as(Provider::kimi, request);
  EXPECT_EQ(out["messages"][1]["reasoning_content"], "I should list files.");
  EXPECT_EQ(out["messages"][1]["tool_calls"][0]["id"], "functions.Bash:0");
}

TEST(Kimi, ForeignReasoningIsDroppedButAThinkingModelStillGetsTheField) {
  json request = testing::tool_turn_request("someone else's thoughts", "EqQBCkYIBxgCKkD...");
  request["model"] = kModel;
  const json out = testing::convert_as(Provider::kimi, request);
  EXPECT_EQ(out["messages"][1]["reasoning_content"], "");
  // Signed by Kimi for another model: dropped as well.
  request["messages"][1]["content"][0]["signature"] =
      providers::sign_thinking(Provider::kimi, "moonshotai/kimi-k2.5", "someone else's thoughts");
  EXPECT_EQ(testing::convert_as(Provider::kimi, request)["messages"][1]["reasoning_content"], "");
  // A non-thinking Kimi model without reasoning gets no field at all.
  request["model"] = "groq/moonshotai/Kimi-K2-Instruct-0905";
  EXPECT_FALSE(
      testing::convert_as(Provider::kimi, request)["messages"][1].contains("reasoning_content"));
}

TEST(Kimi, MoreThan128ToolsIsAClearError) {
  json request = testing::tool_turn_request("", "");
  json tools = json::array();
  for (int i = 0; i < 129; ++i) {
    tools.push_back({{"name", "t" + std::to_string(i)}, {"input_schema", {{"type", "object"}}}});
  }
  request["tools"] = tools;
  auto result = to_openai_request(request.dump(), testing::provider_options(Provider::kimi));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, 400);
  EXPECT_EQ(result.error().type, "invalid_request_error");
  EXPECT_NE(result.error().message.find("at most 128 tools"), std::string::npos)
      << result.error().message;
  tools.erase(tools.begin());
  request["tools"] = tools;
  EXPECT_TRUE(to_openai_request(request.dump(), testing::provider_options(Provider::kimi)).ok());
  request["tools"].push_back(request["tools"][0]);
  request["tools"].back()["name"] = "one_more";
  EXPECT_TRUE(to_openai_request(request.dump(), testing::provider_options(Provider::glm)).ok());
}

TEST(Kimi, K25TakesTheThinkingSwitch) {
  json request = testing::tool_turn_request("", "");
  request["model"] = "moonshotai/kimi-k2.5";
  EXPECT_EQ(testing::convert_as(Provider::kimi, request)["thinking"]["type"], "enabled");
  request["thinking"] = {{"type", "disabled"}};
  EXPECT_EQ(testing::convert_as(Provider::kimi, request)["thinking"]["type"], "disabled");
  request["model"] = kModel;
  EXPECT_FALSE(testing::convert_as(Provider::kimi, request).contains("thinking"));
}

}  // namespace
}  // namespace ccproxy::convert
