#pragma once
// Requests: an Anthropic Messages request -> the request sent upstream (OpenAI chat
// completions, or the Anthropic request itself in pass-through).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "worker/convert/api_error.h"
#include "worker/convert/routing.h"
#include "worker/worker_config.h"

namespace ccproxy::convert {

/// Bytes the JSON parser may read past the end of its input (simdjson's padding).
inline constexpr std::size_t kInputPadding = 64;

struct RequestOptions {
  const worker::ModelMap* models = nullptr;  // required
  /// The routing rules' settings (routing.h); nullptr: the defaults (the long rule off). The
  /// vision and think rules are on whenever `models` sets their tier.
  const worker::RoutingSettings* routing = nullptr;
  /// The tiers the rules may choose; nullptr: those `models` sets. (A pool of upstreams
  /// passes the tiers any of them serves.)
  const TierSet* served = nullptr;
  worker::TokenLimits max_tokens;
  /// Assistant `thinking` blocks in history become `reasoning_content` (else the provider's
  /// rules decide).
  bool reasoning_content_in_history = false;
  /// The provider whose rules the request follows, given the upstream model it goes to
  /// (providers::resolve_provider with the upstream chosen). Unset: generic.
  std::function<worker::Provider(std::string_view upstream_model)> provider_of;
  /// [upstream] reasoning: the thinking switch sent to the provider.
  worker::Reasoning reasoning = worker::Reasoning::automatic;
  /// Pass-through: the anthropic-beta value sent upstream (providers::forwarded_betas); with
  /// drop_beta_fields, top-level fields of betas not in it are left out of the body.
  bool drop_beta_fields = false;
  std::string_view forwarded_betas;
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
  Route route;                 // the rule that chose it
  worker::Provider provider = worker::Provider::generic;  // whose rules it followed
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
