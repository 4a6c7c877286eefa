#pragma once
// Converting requests and responses as a given provider, for the provider tests.

#include <nlohmann/json.hpp>
#include <string>

#include "golden_options.h"
#include "worker/convert/convert.h"
#include "worker/convert/providers/carry.h"

namespace ccproxy::convert::testing {

inline RequestOptions provider_options(worker::Provider provider,
                                       worker::Reasoning reasoning = worker::Reasoning::automatic) {
  RequestOptions options = golden_request_options();
  options.provider_of = [provider](std::string_view) { return provider; };
  options.reasoning = reasoning;
  return options;
}

/// The converted body as JSON (a failed conversion fails the test and gives null).
inline nlohmann::json convert_as(worker::Provider provider, const nlohmann::json& request,
                                 worker::Reasoning reasoning = worker::Reasoning::automatic) {
  auto result = to_openai_request(request.dump(), provider_options(provider, reasoning));
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? nlohmann::json::parse(result->joined()) : nlohmann::json();
}

/// A two-turn request: the user asks, the assistant (thinking, text, a tool call) answered
/// and the tool result follows. `signature` signs the thinking block.
inline nlohmann::json tool_turn_request(const std::string& thinking, const std::string& signature,
                                        const std::string& tool_id = "call_1") {
  using nlohmann::json;
  return json{
      {"model", "claude-sonnet-4-5"},
      {"max_tokens", 1000},
      {"thinking", {{"type", "adaptive"}}},
      {"messages",
       json::array({json{{"role", "user"}, {"content", "list files"}},
                    json{{"role", "assistant"},
                         {"content", json::array({json{{"type", "thinking"},
                                                       {"thinking", thinking},
                                                       {"signature", signature}},
                                                  json{{"type", "text"}, {"text", "Let me look."}},
                                                  json{{"type", "tool_use"},
                                                       {"id", tool_id},
                                                       {"name", "Bash"},
                                                       {"input", {{"command", "ls"}}}}})}},
                    json{{"role", "user"},
                         {"content", json::array({json{{"type", "tool_result"},
                                                       {"tool_use_id", tool_id},
                                                       {"content", "a.txt"}}})}}})}};
}

inline ResponseContext provider_context(worker::Provider provider, const std::string& model) {
  return ResponseContext{"msg_test", "claude-sonnet-4-5", provider, model};
}

}  // namespace ccproxy::convert::testing
