#pragma once
// count_tokens: the token count of an Anthropic request, estimated without a tokenizer.

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "worker/convert/api_error.h"

namespace ccproxy::convert {

/// count_tokens estimate covering system, messages, tool inputs/results and tool schemas.
Result<int64_t, ApiError> count_tokens(std::string_view anthropic_body);

}  // namespace ccproxy::convert
