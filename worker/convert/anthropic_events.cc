#include "worker/convert/anthropic_events.h"

#include "worker/convert/json_writer.h"

namespace ccproxy::convert::detail {
namespace {

using namespace std::string_view_literals;

// "event: <type>\ndata: {"type":"<type>"": the event's fields follow.
void write_event_head(std::string& out, std::string_view type) {
  out.append("event: "sv);
  out.append(type);
  out.append("\ndata: {\"type\":\""sv);
  out.append(type);
  out.push_back('"');
}

void write_block_start_head(std::string& out, int index) {
  write_event_head(out, "content_block_start");
  out.append(",\"index\":"sv);
  append_int(out, index);
}

}  // namespace

void append_usage(std::string& out, const Usage& usage) {
  out.append("{\"input_tokens\":"sv);
  append_int(out, usage.input_tokens);
  out.append(",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":"sv);
  append_int(out, usage.cache_read_input_tokens);
  out.append(",\"output_tokens\":"sv);
  append_int(out, usage.output_tokens);
  out.push_back('}');
}

void write_message_start(std::string& out, const ResponseContext& context, const Usage& usage) {
  write_event_head(out, "message_start");
  out.append(",\"message\":{\"id\":"sv);
  append_json_string(out, context.message_id);
  out.append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":"sv);
  append_json_string(out, context.model);
  out.append(",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"sv);
  append_usage(out, usage);
  out.append("}}\n\n"sv);
  out.append("event: ping\ndata: {\"type\":\"ping\"}\n\n"sv);
}

void write_thinking_block_start(std::string& out, int index) {
  write_block_start_head(out, index);
  out.append(
      ",\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n"sv);
}

void write_text_block_start(std::string& out, int index) {
  write_block_start_head(out, index);
  out.append(",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"sv);
}

void write_tool_block_start(std::string& out, int index, std::string_view id,
                            std::string_view name) {
  write_block_start_head(out, index);
  out.append(",\"content_block\":{\"type\":\"tool_use\",\"id\":"sv);
  append_json_string(out, id);
  out.append(",\"name\":"sv);
  append_json_string(out, name);
  out.append(",\"input\":{}}}\n\n"sv);
}

// The most frequent event, written in few pieces.
void write_block_delta(std::string& out, int index, std::string_view kind, std::string_view data) {
  out.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"sv);
  append_int(out, index);
  out.append(kind);
  append_json_string(out, data);
  out.append("}}\n\n"sv);
}

void write_signature_delta(std::string& out, int index, std::string_view signature) {
  out.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"sv);
  append_int(out, index);
  out.append(",\"delta\":{\"type\":\"signature_delta\",\"signature\":"sv);
  append_json_string(out, signature);
  out.append("}}\n\n"sv);
}

void write_block_stop(std::string& out, int index) {
  write_event_head(out, "content_block_stop");
  out.append(",\"index\":"sv);
  append_int(out, index);
  out.append("}\n\n"sv);
}

void write_message_end(std::string& out, std::string_view stop_reason, const Usage& usage) {
  write_event_head(out, "message_delta");
  out.append(",\"delta\":{\"stop_reason\":\""sv);
  out.append(stop_reason);
  out.append("\",\"stop_sequence\":null},\"usage\":"sv);
  append_usage(out, usage);
  out.append("}\n\n"sv);
  out.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"sv);
}

}  // namespace ccproxy::convert::detail
