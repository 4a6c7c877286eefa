#pragma once
// count_tokens: the token count of an Anthropic request, estimated without a tokenizer.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "worker/convert/api_error.h"

namespace simdjson::dom {
class element;
}

namespace ccproxy::convert {

/// count_tokens estimate covering system, messages, tool inputs/results and tool schemas.
Result<int64_t, ApiError> count_tokens(std::string_view anthropic_body);

namespace detail {
/// The same estimate of a request already parsed (`root`: the request object), made of two
/// parts: everything but the tool list, and the tool list (`tools`, a stored list's part
/// can be kept), added and rounded by rounded_estimate.
int64_t estimate_request_tokens(const simdjson::dom::element& root);
double estimate_without_tools(const simdjson::dom::element& root);
double estimate_tool_list(const simdjson::dom::element& tools);
int64_t rounded_estimate(double without_tools, double tool_list);
/// No estimate of a valid request of `body_bytes` bytes with `images` image blocks is above
/// this: a request it shows below a threshold needs no estimate.
int64_t estimate_upper_bound(std::size_t body_bytes, std::size_t images);
}  // namespace detail

}  // namespace ccproxy::convert
