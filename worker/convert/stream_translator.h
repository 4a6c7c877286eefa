#pragma once
// StreamTranslator: upstream OpenAI SSE bytes -> Anthropic SSE events, as a state machine.

#include <memory>
#include <string>
#include <string_view>

#include "worker/convert/api_error.h"
#include "worker/convert/response.h"
#include "worker/convert/usage.h"

namespace ccproxy::convert {

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

}  // namespace ccproxy::convert
