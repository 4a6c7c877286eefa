#include "worker/convert/providers/deepseek.h"

#include <gtest/gtest.h>

#include "provider_test_util.h"

namespace ccproxy::convert {
namespace {

using nlohmann::json;
using worker::Provider;

TEST(DeepSeek, StreamedReasoningIsSignedAndComesBack) {
  const std::string model = "deepseek/deepseek-reasoner";
  StreamTranslator translator(testing::provider_context(Provider::deepseek, model));
  std::string out;
  translator.feed(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"Think \"}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hard.\"}}]}\n\n"
      "data: "
      "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Ok\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n",
      out);
  const std::string signature = providers::sign_thinking(Provider::deepseek, model, "Think hard.");
  const std::string expected =
      "\"delta\":{\"type\":\"signature_delta\",\"signature\":\"" + signature + "\"}";
  EXPECT_NE(out.find(expected), std::string::npos) << out;
  EXPECT_LT(out.find("signature_delta"), out.find("content_block_stop"));

  json request = testing::tool_turn_request("Think hard.", signature);
  request["model"] = model;
  EXPECT_EQ(testing::convert_as(Provider::deepseek, request)["messages"][1]["reasoning_content"],
            "Think hard.");
}

TEST(DeepSeek, ThinkingSwitchForChatModels) {
  json request = testing::tool_turn_request("", "");
  request["model"] = "deepseek/deepseek-chat";
  json out = testing::convert_as(Provider::deepseek, request);
  EXPECT_EQ(out["thinking"]["type"], "enabled");
  EXPECT_EQ(out["messages"][1]["reasoning_content"], "");  // thinking on: the field is required
  out = testing::convert_as(Provider::deepseek, request, worker::Reasoning::off);
  EXPECT_EQ(out["thinking"]["type"], "disabled");
  EXPECT_FALSE(out["messages"][1].contains("reasoning_content"));
  request["model"] = "deepseek/deepseek-reasoner";
  EXPECT_FALSE(testing::convert_as(Provider::deepseek, request).contains("thinking"));
}

}  // namespace
}  // namespace ccproxy::convert
