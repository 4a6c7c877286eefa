#pragma once
// Checks that bytes are a well-formed Anthropic Messages event stream, the way a strict client
// (the Anthropic SDKs, Claude Code) reads it, and rebuilds the message it describes.
// Reusable by fuzz targets: no gtest dependency.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ccproxy::convert::testing {

struct StreamBlock {
  std::string type;  // "text", "thinking", "tool_use"
  std::string text;  // text, thinking, or the concatenated input_json_delta pieces
  std::string id;    // tool_use
  std::string name;  // tool_use
  bool closed = false;
};

struct StreamSummary {
  std::vector<std::string> event_types;  // in order
  std::vector<StreamBlock> blocks;
  bool message_started = false;
  bool message_stopped = false;  // message_stop seen
  bool errored = false;          // an error event seen
  std::string error_type;
  std::string stop_reason;
  int64_t input_tokens = -1;
  int64_t output_tokens = -1;
  int64_t cache_read_input_tokens = -1;
};

/// Validates `sse` (a complete stream from the translator). Returns an empty string when it
/// is valid, else a description of the first problem. `summary` receives what was parsed.
/// Rules: every event is "event: <type>\ndata: <json>\n\n" with data.type == <type> and a
/// known type; message_start first (or a lone error); content blocks have consecutive indices
/// from 0, one open at a time, deltas of the block's kind, balanced start/stop; message_delta
/// only with no open block, followed by message_stop; nothing after message_stop or error;
/// a stream that stops normally (other than at max_tokens) has every tool_use input parse as
/// a JSON object.
std::string check_anthropic_stream(std::string_view sse, StreamSummary& summary);

}  // namespace ccproxy::convert::testing
