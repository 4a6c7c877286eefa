// Gemini's rules through the converter: schemas, the cached tool list per provider, thought
// signatures carried in tool ids (whole responses and streams) and sent back, reasoning_effort.

#include "worker/convert/providers/gemini.h"

#include <gtest/gtest.h>

#include "provider_test_util.h"

namespace ccproxy::convert {
namespace {

using nlohmann::json;
using worker::Provider;

TEST(Gemini, FixtureToolsAreRewrittenAndCachedApartFromOtherProviders) {
  const std::string body = testing::claude_code_fixture();
  auto generic = to_openai_request(body, testing::golden_request_options());
  auto gemini = to_openai_request(body, testing::provider_options(Provider::gemini));
  auto gemini_hit = to_openai_request(body, testing::provider_options(Provider::gemini));
  auto generic_hit = to_openai_request(body, testing::golden_request_options());
  ASSERT_TRUE(generic.ok() && gemini.ok() && gemini_hit.ok() && generic_hit.ok());
  EXPECT_EQ(gemini->provider, Provider::gemini);
  EXPECT_EQ(gemini->joined(), gemini_hit->joined());
  EXPECT_EQ(generic->joined(), generic_hit->joined());
  const json out = json::parse(gemini->joined());
  for (const auto& tool : out["tools"]) {
    const std::string params = tool["function"]["parameters"].dump();
    for (const char* refused :
         {"$schema", "additionalProperties", "exclusiveMinimum", "propertyNames", "\"const\""}) {
      EXPECT_EQ(params.find(refused), std::string::npos) << refused << " in " << params;
    }
  }
  EXPECT_NE(
      json::parse(generic->joined())["tools"][0]["function"]["parameters"].dump().find("$schema"),
      std::string::npos);
}

TEST(Gemini, ThoughtSignatureGoesOutInTheToolIdAndComesBack) {
  const std::string model = "google/gemini-3-pro-preview";
  const std::string response = R"({"choices":[{"index":0,"finish_reason":"tool_calls","message":{
    "role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
    "function":{"name":"Bash","arguments":"{\"command\":\"ls\"}"},
    "extra_content":{"google":{"thought_signature":"SIG+/abc=="}}}]}}]})";
  auto converted =
      to_anthropic_response(response, testing::provider_context(Provider::gemini, model));
  ASSERT_TRUE(converted.ok());
  const json message = json::parse(converted->body);
  const std::string id = message["content"][0]["id"];
  EXPECT_EQ(id.rfind("call_1__ccp1_", 0), 0u) << id;

  json request = testing::tool_turn_request("", "", id);
  request["model"] = model;
  const json out = testing::convert_as(Provider::gemini, request);
  const json& assistant = out["messages"][1];
  EXPECT_EQ(assistant["tool_calls"][0]["id"], "call_1");
  EXPECT_EQ(assistant["tool_calls"][0]["extra_content"]["google"]["thought_signature"],
            "SIG+/abc==");
  EXPECT_EQ(out["messages"][2]["tool_call_id"], "call_1");

  // Another Gemini 3 model: the signature is not this model's; the placeholder Google documents
  // for foreign calls goes in its place.
  request["model"] = "google/gemini-3-flash";
  const json other = testing::convert_as(Provider::gemini, request);
  EXPECT_EQ(other["messages"][1]["tool_calls"][0]["id"], "call_1");
  EXPECT_EQ(other["messages"][1]["tool_calls"][0]["extra_content"]["google"]["thought_signature"],
            "skip_thought_signature_validator");
  // Another provider: the id is the provider's, no extra_content.
  request["model"] = "zai/glm-4.6";
  const json glm = testing::convert_as(Provider::glm, request);
  EXPECT_EQ(glm["messages"][1]["tool_calls"][0]["id"], "call_1");
  EXPECT_FALSE(glm["messages"][1]["tool_calls"][0].contains("extra_content"));
  EXPECT_EQ(glm["messages"][2]["tool_call_id"], "call_1");
}

TEST(Gemini, StreamedThoughtSignatureIsCarriedToo) {
  const std::string model = "google/gemini-3-pro-preview";
  StreamTranslator translator(testing::provider_context(Provider::gemini, model));
  std::string out;
  translator.feed(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c9\","
      "\"type\":\"function\",\"function\":{\"name\":\"Read\",\"arguments\":\"{\\\"a\\\":1}\"},"
      "\"extra_content\":{\"google\":{\"thought_signature\":\"XYZ\"}}}]}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
      "data: [DONE]\n\n",
      out);
  const std::string expected = providers::tool_id_with_value("c9", Provider::gemini, model, "XYZ");
  EXPECT_NE(out.find("\"id\":\"" + expected + "\""), std::string::npos) << out;
  EXPECT_EQ(providers::read_tool_id(expected, Provider::gemini, model).value, "XYZ");
}

TEST(Gemini, ReasoningEffort) {
  json request = testing::tool_turn_request("", "");
  request["thinking"] = {{"type", "enabled"}, {"budget_tokens", 2000}};
  EXPECT_EQ(testing::convert_as(Provider::gemini, request)["reasoning_effort"], "low");
  request["output_config"] = {{"effort", "high"}};
  EXPECT_EQ(testing::convert_as(Provider::gemini, request)["reasoning_effort"], "high");
  EXPECT_EQ(
      testing::convert_as(Provider::gemini, request, worker::Reasoning::off)["reasoning_effort"],
      "none");
  request.erase("output_config");
  request["thinking"] = {{"type", "adaptive"}};
  EXPECT_FALSE(testing::convert_as(Provider::gemini, request).contains("reasoning_effort"));
}

}  // namespace
}  // namespace ccproxy::convert
