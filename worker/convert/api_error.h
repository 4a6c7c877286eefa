#pragma once
// ApiError: an error as the Anthropic API reports it, and its wire forms.

#include <string>
#include <string_view>

namespace ccproxy::convert {

/// An error as the Anthropic API reports it; the server sends `status` with error_body().
struct ApiError {
  int status = 400;
  std::string type = "invalid_request_error";
  std::string message;
};

/// {"type":"error","error":{"type":"...","message":"..."}}
std::string error_body(const ApiError& error);
/// The same as one SSE event: "event: error\ndata: {...}\n\n".
std::string error_event(const ApiError& error);
/// An upstream HTTP error (OpenAI- or Anthropic-shaped body, or anything else) as the
/// Anthropic error with the matching status and type; the provider's message is kept.
ApiError upstream_error(int status, std::string_view body);

}  // namespace ccproxy::convert
