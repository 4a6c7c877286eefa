#pragma once
// Requests: an Anthropic Messages request -> the request sent upstream (OpenAI chat
// completions, or the Anthropic request itself in pass-through).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "worker/convert/api_error.h"
#include "worker/worker_config.h"

namespace ccproxy::convert {

/// Bytes the JSON parser may read past the end of its input (simdjson's padding).
inline constexpr std::size_t kInputPadding = 64;

struct RequestOptions {
  const worker::ModelMap* models = nullptr;  // required
  worker::TokenLimits max_tokens;
  /// Assistant `thinking` blocks in history become `reasoning_content` (else dropped).
  bool reasoning_content_in_history = false;
  /// The caller guarantees kInputPadding readable bytes after the body's end (a string with
  /// that much spare capacity): the body is parsed where it is instead of being copied.
  bool body_padded = false;
  /// A stored tool-list conversion may be left out of `body` and given as
  /// ConvertedRequest::spliced instead (the worker sends the pieces without joining them).
  bool splice_tools = false;
};

struct ConvertedRequest {
  std::string body;            // JSON for the upstream (see `spliced`)
  std::string client_model;    // the model the client asked for (reported back)
  std::string upstream_model;  // the model sent upstream
  bool stream = false;
  /// Only with RequestOptions::splice_tools: text that belongs at byte `splice_at` of `body`
  /// (a stored tool list, shared with the cache rather than copied).
  std::shared_ptr<const std::string> spliced;
  std::size_t splice_at = 0;

  /// The JSON body in one piece.
  std::string joined() const {
    if (!spliced) {
      return body;
    }
    std::string out;
    out.reserve(body.size() + spliced->size());
    out.append(body, 0, splice_at).append(*spliced).append(body, splice_at);
    return out;
  }
  std::size_t size() const { return body.size() + (spliced ? spliced->size() : 0); }
};

/// Anthropic Messages request -> OpenAI chat-completions request.
Result<ConvertedRequest, ApiError> to_openai_request(std::string_view anthropic_body,
                                                     const RequestOptions& options);

/// Pass-through: the request validated as for to_openai_request, `model` mapped and
/// max_tokens clamped, everything else forwarded as the client sent it.
Result<ConvertedRequest, ApiError> to_passthrough_request(std::string_view anthropic_body,
                                                          const RequestOptions& options);

/// The client's `model` as a quick look at the body finds it: the first top-level "model"
/// string, escapes left as sent; "" when there is none. For choosing upstreams before the
/// request is converted (Claude Code sends `model` first, so the look stops there).
std::string_view peek_model(std::string_view anthropic_body);

}  // namespace ccproxy::convert
