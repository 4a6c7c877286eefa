#pragma once
// Usage: the token counts of one response, as Anthropic reports them.

#include <cstdint>
#include <string_view>

namespace ccproxy::convert {

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cache_read_input_tokens = 0;
  int64_t cache_creation_input_tokens = 0;  // pass-through only: OpenAI usage has no such count
};

/// Usage from an Anthropic response body or SSE bytes (pass-through logging and metrics).
Usage anthropic_usage(std::string_view anthropic_body);

}  // namespace ccproxy::convert
