#include "worker/convert/providers/glm.h"

#include <gtest/gtest.h>

#include "provider_test_util.h"

namespace ccproxy::convert {
namespace {

using nlohmann::json;
using worker::Provider;
using worker::Reasoning;

TEST(Glm, ThinkingSwitchFollowsTheClientUnlessTheProfileSaysOtherwise) {
  json request = testing::tool_turn_request("", "");
  EXPECT_EQ(testing::convert_as(Provider::glm, request)["thinking"], json({{"type", "enabled"}}));
  request["thinking"] = {{"type", "disabled"}};
  EXPECT_EQ(testing::convert_as(Provider::glm, request)["thinking"], json({{"type", "disabled"}}));
  EXPECT_EQ(testing::convert_as(Provider::glm, request, Reasoning::on)["thinking"],
            json({{"type", "enabled"}}));
  request.erase("thinking");
  EXPECT_FALSE(testing::convert_as(Provider::glm, request).contains("thinking"));
  EXPECT_EQ(testing::convert_as(Provider::glm, request, Reasoning::off)["thinking"],
            json({{"type", "disabled"}}));
  // GLM gets no reasoning back, signed or not.
  request =
      testing::tool_turn_request("t", providers::sign_thinking(Provider::glm, "glm-4.5", "t"));
  EXPECT_FALSE(
      testing::convert_as(Provider::glm, request)["messages"][1].contains("reasoning_content"));
}

TEST(Glm, BillingHeaderLeftOutOfTheSystemPrompt) {
  json request = testing::tool_turn_request("", "");
  request["system"] = json::array(
      {{{"type", "text"},
        {"text", "x-anthropic-billing-header: cc_version=2.1.3.abc; cc_entrypoint=cli;"}},
       {{"type", "text"}, {"text", "You are Claude Code."}}});
  json out = testing::convert_as(Provider::glm, request);
  EXPECT_EQ(out["messages"][0], json({{"role", "system"}, {"content", "You are Claude Code."}}));
  request["system"] = "x-anthropic-billing-header: cc_version=1;\nYou are Claude Code.";
  out = testing::convert_as(Provider::glm, request);
  EXPECT_EQ(out["messages"][0]["content"], "You are Claude Code.");
}

}  // namespace
}  // namespace ccproxy::convert
