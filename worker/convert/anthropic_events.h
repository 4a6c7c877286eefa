#pragma once
// The Anthropic Messages stream, written as SSE events: message_start (and a ping),
// content_block_start / content_block_delta / content_block_stop for each block, then
// message_delta and message_stop. Each function appends complete events to `out`.

#include <string>
#include <string_view>

#include "worker/convert/response.h"
#include "worker/convert/usage.h"

namespace ccproxy::convert::detail {

/// The kinds of content_block_delta: the delta's type and the name of its field.
inline constexpr std::string_view kTextDelta = ",\"delta\":{\"type\":\"text_delta\",\"text\":";
inline constexpr std::string_view kThinkingDelta =
    ",\"delta\":{\"type\":\"thinking_delta\",\"thinking\":";
inline constexpr std::string_view kJsonDelta =
    ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":";

/// The `usage` object of a message (whole or streamed).
void append_usage(std::string& out, const Usage& usage);

void write_message_start(std::string& out, const ResponseContext& context, const Usage& usage);
void write_thinking_block_start(std::string& out, int index);
void write_text_block_start(std::string& out, int index);
void write_tool_block_start(std::string& out, int index, std::string_view id,
                            std::string_view name);
/// `kind` is one of kTextDelta, kThinkingDelta, kJsonDelta.
void write_block_delta(std::string& out, int index, std::string_view kind, std::string_view data);
/// The signature of a thinking block, sent just before its content_block_stop.
void write_signature_delta(std::string& out, int index, std::string_view signature);
void write_block_stop(std::string& out, int index);
/// message_delta with the stop reason and the final usage, then message_stop.
void write_message_end(std::string& out, std::string_view stop_reason, const Usage& usage);

}  // namespace ccproxy::convert::detail
