#pragma once
// Tool calls assembled from streamed chunks. A call is keyed by its chunk `index` (or, without
// one, by its id); its id and name arrive once, its arguments in pieces. A call's arguments end
// with the byte that completes their JSON value: whatever a provider sends after that (some
// repeat the whole arguments at the end) is dropped.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "worker/convert/json_completion.h"

namespace ccproxy::convert::detail {

struct ToolCall {
  int64_t key = 0;
  std::string id;
  std::string name;
  std::string buffered;           // arguments received before the block could open
  std::string arguments;          // everything streamed, checked once the message ends
  std::string thought_signature;  // Gemini's extra_content.google.thought_signature
  JsonCompletion json;
  bool opened = false;
  bool closed = false;

  /// The part of `data` that continues the arguments (appended to `arguments`): whitespace
  /// before the first argument byte is dropped, and so is everything after the JSON value
  /// is complete.
  std::string_view take_arguments(std::string_view data);
  /// The arguments streamed are a JSON object, or nothing at all (input {}).
  bool arguments_are_object(simdjson::dom::parser& parser, std::string& scratch) const;
};

/// One entry of a chunk's `delta.tool_calls`.
struct ToolCallDelta {
  bool has_index = false;
  simdjson::dom::element index;
  std::string_view id;
  std::string_view name;
  std::string_view arguments;
  std::string_view thought_signature;
};

/// Reads `call`; arguments sent as an object rather than a string are written to `scratch`.
/// False when `call` is not an object.
bool read_tool_call_delta(simdjson::dom::element call, std::string& scratch, ToolCallDelta& delta);

/// The tool calls of one streamed message, in the order they began.
class ToolCalls {
 public:
  /// The slot of the call `delta` continues, or of a new call; the call takes the delta's id
  /// and name when it has none yet.
  size_t add(const ToolCallDelta& delta);
  /// A whole call (a response replayed as a stream); its slot.
  size_t add_whole(ToolCall call);

  ToolCall& operator[](size_t slot) { return calls_[slot]; }
  const ToolCall& operator[](size_t slot) const { return calls_[slot]; }
  size_t size() const { return calls_.size(); }
  std::vector<ToolCall>::const_iterator begin() const { return calls_.begin(); }
  std::vector<ToolCall>::const_iterator end() const { return calls_.end(); }

 private:
  size_t slot_for(const ToolCallDelta& delta);

  std::vector<ToolCall> calls_;
  int64_t next_synthetic_key_ = -1;
};

}  // namespace ccproxy::convert::detail
