#include "worker/convert/providers/anthropic_betas.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "golden_options.h"
#include "worker/convert/convert.h"

namespace ccproxy::convert::providers {
namespace {

using nlohmann::json;

worker::UpstreamConfig upstream(std::string base_url) {
  worker::UpstreamConfig u;
  u.base_url = std::move(base_url);
  u.format = worker::UpstreamFormat::anthropic;
  return u;
}

constexpr std::string_view kClaudeCodeBetas =
    "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27";

TEST(AnthropicBetas, DefaultAllForAnthropicNoneElsewhere) {
  EXPECT_EQ(forwarded_betas(kClaudeCodeBetas, upstream("https://api.anthropic.com")),
            "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27");
  EXPECT_EQ(forwarded_betas(kClaudeCodeBetas, upstream("https://api.z.ai/api/anthropic")), "");
}

TEST(AnthropicBetas, ConfiguredListOrStar) {
  auto u = upstream("https://api.moonshot.ai/anthropic");
  u.forward_betas_set = true;
  u.forward_betas = {"Interleaved-Thinking-2025-05-14", "unknown-beta"};
  EXPECT_EQ(forwarded_betas(kClaudeCodeBetas, u), "interleaved-thinking-2025-05-14");
  u.forward_betas = {"*"};
  EXPECT_EQ(forwarded_betas(" a , ,b ", u), "a,b");
  u.forward_betas = {};
  EXPECT_EQ(forwarded_betas(kClaudeCodeBetas, u), "");
}

TEST(AnthropicBetas, FieldsOfBetasNotForwardedAreDropped) {
  EXPECT_EQ(fields_without_beta("context-management-2025-06-27,mcp-client-2025-04-04,"
                                "structured-outputs-2025-11-13"),
            std::vector<std::string_view>{});
  const auto dropped = fields_without_beta("claude-code-20250219");
  EXPECT_EQ(dropped.size(), 3u);

  const std::string body = testing::claude_code_fixture();
  RequestOptions options = testing::golden_request_options();
  options.drop_beta_fields = true;
  options.forwarded_betas = "claude-code-20250219";
  auto result = to_passthrough_request(body, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  json out = json::parse(result->body);
  json in = json::parse(body);
  EXPECT_FALSE(out.contains("context_management"));
  EXPECT_EQ(out["model"], "glm-4.6");
  EXPECT_EQ(out["max_tokens"], 32000);
  in.erase("context_management");
  in["model"] = "glm-4.6";
  in["max_tokens"] = 32000;
  EXPECT_EQ(out, in);
  // Forwarded: the body keeps it, byte for byte apart from model and max_tokens.
  options.forwarded_betas = kClaudeCodeBetas;
  auto kept = to_passthrough_request(body, options);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(json::parse(kept->body).contains("context_management"));
  EXPECT_EQ(kept->body.size(), body.size() - std::string("64000").size() + 5 -
                                   std::string("claude-opus-4-8").size() + 7);
}

}  // namespace
}  // namespace ccproxy::convert::providers
