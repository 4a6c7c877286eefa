#pragma once
// Whole responses: an OpenAI chat-completions response -> the Anthropic Messages response.

#include <string>
#include <string_view>

#include "common/result.h"
#include "worker/convert/api_error.h"
#include "worker/convert/usage.h"
#include "worker/worker_config.h"

namespace ccproxy::convert {

struct ResponseContext {
  std::string message_id;  // "msg_..." chosen by the server
  std::string model;       // reported model: the client's model name
  /// Whose rules the request followed, and the model it went to: thinking blocks are signed
  /// and Gemini's thought signatures carried in tool ids for them (providers/carry.h).
  worker::Provider provider = worker::Provider::generic;
  std::string upstream_model;
};

struct AnthropicResponse {
  std::string body;
  Usage usage;
};

/// A whole OpenAI chat-completions response -> the Anthropic Messages response.
Result<AnthropicResponse, ApiError> to_anthropic_response(std::string_view openai_body,
                                                          const ResponseContext& context);

}  // namespace ccproxy::convert
