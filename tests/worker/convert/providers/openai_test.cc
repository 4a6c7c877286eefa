#include "worker/convert/providers/openai.h"

#include <gtest/gtest.h>

#include "provider_test_util.h"

namespace ccproxy::convert {
namespace {

using nlohmann::json;
using worker::Provider;
using worker::Reasoning;

TEST(OpenAi, ReasoningEffortFromEffortOrBudget) {
  json request = testing::tool_turn_request("", "");
  request["thinking"] = {{"type", "enabled"}, {"budget_tokens", 10000}};
  EXPECT_EQ(testing::convert_as(Provider::openai, request)["reasoning_effort"], "medium");
  request["output_config"] = {{"effort", "max"}};
  EXPECT_EQ(testing::convert_as(Provider::openai, request)["reasoning_effort"], "high");
  request["thinking"] = {{"type", "disabled"}};
  EXPECT_FALSE(testing::convert_as(Provider::openai, request).contains("reasoning_effort"));
  EXPECT_EQ(testing::convert_as(Provider::openai, request, Reasoning::low)["reasoning_effort"],
            "low");
}

TEST(Generic, SendsNoSwitchUnlessTheProfileSetsALevel) {
  json request = testing::tool_turn_request("", "");
  request["output_config"] = {{"effort", "high"}};
  json out = testing::convert_as(Provider::generic, request);
  EXPECT_FALSE(out.contains("reasoning_effort"));
  EXPECT_FALSE(out.contains("thinking"));
  EXPECT_EQ(testing::convert_as(Provider::generic, request, Reasoning::medium)["reasoning_effort"],
            "medium");
}

}  // namespace
}  // namespace ccproxy::convert
