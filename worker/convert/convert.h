#pragma once
// The conversion core: Anthropic Messages <-> OpenAI chat completions. Pure: bytes in, bytes
// out, no sockets, no clocks, no exceptions across this API.
//
// Reported model: every response (whole or streamed) reports the model name the client asked
// for, so Claude Code sees the name it sent; the provider model goes to logs and metrics.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "worker/worker_config.h"

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

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cache_read_input_tokens = 0;
};

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

struct ResponseContext {
  std::string message_id;  // "msg_..." chosen by the server
  std::string model;       // reported model: the client's model name
};

struct AnthropicResponse {
  std::string body;
  Usage usage;
};

/// A whole OpenAI chat-completions response -> the Anthropic Messages response.
Result<AnthropicResponse, ApiError> to_anthropic_response(std::string_view openai_body,
                                                          const ResponseContext& context);

/// Usage from an Anthropic response body or SSE bytes (pass-through logging and metrics).
Usage anthropic_usage(std::string_view anthropic_body);

/// Streaming: upstream OpenAI SSE bytes -> Anthropic SSE events, as a state machine.
class StreamTranslator {
 public:
  explicit StreamTranslator(ResponseContext context);
  ~StreamTranslator();
  StreamTranslator(const StreamTranslator&) = delete;
  StreamTranslator& operator=(const StreamTranslator&) = delete;

  /// Raw upstream bytes, split anywhere. Appends complete Anthropic SSE events to `out`.
  void feed(std::string_view bytes, std::string& out);
  /// The upstream closed the stream. Ends the message normally when the upstream had finished
  /// (finish_reason seen, [DONE] optional); otherwise closes open blocks and ends with an
  /// error event — never a fake end_turn.
  void finish(std::string& out);
  /// The upstream failed mid-stream (timeout, reset): closes what is open, then `event: error`.
  void fail(const ApiError& error, std::string& out);
  /// message_stop or an error event was emitted; later input is ignored.
  bool finished() const;
  const Usage& usage() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// count_tokens estimate covering system, messages, tool inputs/results and tool schemas.
Result<int64_t, ApiError> count_tokens(std::string_view anthropic_body);

}  // namespace ccproxy::convert
