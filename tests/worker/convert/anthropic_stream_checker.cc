#include "anthropic_stream_checker.h"

#include <nlohmann/json.hpp>

namespace ccproxy::convert::testing {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return {};
  }
  return it->get<std::string>();
}

}  // namespace

std::string check_anthropic_stream(std::string_view sse, StreamSummary& s) {
  s = StreamSummary{};
  size_t pos = 0;
  int open = -1;  // index of the open block, -1 when none
  bool message_delta_seen = false;
  bool ended = false;
  while (pos < sse.size()) {
    const size_t end = sse.find("\n\n", pos);
    if (end == std::string_view::npos) {
      return "trailing bytes without a blank line at offset " + std::to_string(pos);
    }
    std::string_view event = sse.substr(pos, end - pos);
    pos = end + 2;
    if (ended) {
      return "event after message_stop or error";
    }
    if (event.substr(0, 7) != "event: ") {
      return "event without an event: line";
    }
    const size_t nl = event.find('\n');
    if (nl == std::string_view::npos) {
      return "event without a data: line";
    }
    const std::string type(event.substr(7, nl - 7));
    std::string_view data_line = event.substr(nl + 1);
    if (data_line.substr(0, 6) != "data: " || data_line.find('\n') != std::string_view::npos) {
      return "event " + type + ": expected exactly one data: line";
    }
    json data = json::parse(data_line.substr(6), nullptr, false);
    if (data.is_discarded() || !data.is_object()) {
      return "event " + type + ": data is not a JSON object";
    }
    if (str(data, "type") != type) {
      return "event " + type + ": data.type is " + str(data, "type");
    }
    s.event_types.push_back(type);
    if (type == "error") {
      if (!data.contains("error") || !data["error"].is_object() ||
          str(data["error"], "type").empty() || !data["error"].contains("message") ||
          !data["error"]["message"].is_string()) {
        return "error event without error.type and error.message";
      }
      s.errored = true;
      s.error_type = str(data["error"], "type");
      ended = true;
      continue;
    }
    if (type == "ping") {
      if (!s.message_started) {
        return "ping before message_start";
      }
      continue;
    }
    if (type == "message_start") {
      if (s.message_started) {
        return "second message_start";
      }
      if (s.event_types.size() != 1) {
        return "message_start is not the first event";
      }
      const json& m = data["message"];
      if (!m.is_object() || str(m, "type") != "message" || str(m, "role") != "assistant" ||
          str(m, "id").empty() || !m.contains("model") || !m["content"].is_array() ||
          !m["content"].empty() || !m["usage"].is_object() ||
          !m["usage"]["input_tokens"].is_number_integer() ||
          !m["usage"]["output_tokens"].is_number_integer()) {
        return "message_start.message is malformed";
      }
      s.message_started = true;
      s.input_tokens = m["usage"]["input_tokens"].get<int64_t>();
      continue;
    }
    if (!s.message_started) {
      return type + " before message_start";
    }
    if (type == "content_block_start") {
      if (open != -1) {
        return "content_block_start while block " + std::to_string(open) + " is open";
      }
      if (message_delta_seen) {
        return "content_block_start after message_delta";
      }
      if (!data["index"].is_number_integer() ||
          data["index"].get<int64_t>() != int64_t(s.blocks.size())) {
        return "content_block_start index is not " + std::to_string(s.blocks.size());
      }
      const json& b = data["content_block"];
      StreamBlock block;
      block.type = str(b, "type");
      if (block.type == "text") {
        if (!b["text"].is_string() || !b["text"].get<std::string>().empty()) {
          return "text block must start with text \"\"";
        }
      } else if (block.type == "thinking") {
        if (!b["thinking"].is_string() || !b["signature"].is_string()) {
          return "thinking block must start with thinking and signature strings";
        }
      } else if (block.type == "tool_use") {
        block.id = str(b, "id");
        block.name = str(b, "name");
        if (block.id.empty() || !b["name"].is_string() || !b["input"].is_object() ||
            !b["input"].empty()) {
          return "tool_use block must start with id, name and input {}";
        }
      } else {
        return "unknown content block type " + block.type;
      }
      open = int(s.blocks.size());
      s.blocks.push_back(block);
      continue;
    }
    if (type == "content_block_delta") {
      if (open == -1 || !data["index"].is_number_integer() ||
          data["index"].get<int64_t>() != open) {
        return "content_block_delta for a block that is not open";
      }
      StreamBlock& block = s.blocks[size_t(open)];
      const json& d = data["delta"];
      const std::string dt = str(d, "type");
      if (block.type == "text" && dt == "text_delta" && d["text"].is_string()) {
        block.text += d["text"].get<std::string>();
      } else if (block.type == "thinking" && dt == "thinking_delta" && d["thinking"].is_string()) {
        block.text += d["thinking"].get<std::string>();
      } else if (block.type == "thinking" && dt == "signature_delta") {
      } else if (block.type == "tool_use" && dt == "input_json_delta" &&
                 d["partial_json"].is_string()) {
        block.text += d["partial_json"].get<std::string>();
      } else {
        return "delta " + dt + " does not fit a " + block.type + " block";
      }
      continue;
    }
    if (type == "content_block_stop") {
      if (open == -1 || !data["index"].is_number_integer() ||
          data["index"].get<int64_t>() != open) {
        return "content_block_stop for a block that is not open";
      }
      s.blocks[size_t(open)].closed = true;
      open = -1;
      continue;
    }
    if (type == "message_delta") {
      if (open != -1) {
        return "message_delta while a block is open";
      }
      if (message_delta_seen) {
        return "second message_delta";
      }
      message_delta_seen = true;
      const json& d = data["delta"];
      s.stop_reason = str(d, "stop_reason");
      static const char* kStops[] = {"end_turn", "max_tokens", "stop_sequence",
                                     "tool_use", "pause_turn", "refusal"};
      bool known = false;
      for (const char* k : kStops) {
        known = known || s.stop_reason == k;
      }
      if (!known) {
        return "unknown stop_reason " + s.stop_reason;
      }
      if (!d.contains("stop_sequence")) {
        return "message_delta without stop_sequence";
      }
      const json& u = data["usage"];
      if (!u.is_object() || !u["output_tokens"].is_number_integer()) {
        return "message_delta without usage.output_tokens";
      }
      s.output_tokens = u["output_tokens"].get<int64_t>();
      if (u.contains("input_tokens")) {
        s.input_tokens = u["input_tokens"].get<int64_t>();
      }
      if (u.contains("cache_read_input_tokens")) {
        s.cache_read_input_tokens = u["cache_read_input_tokens"].get<int64_t>();
      }
      continue;
    }
    if (type == "message_stop") {
      if (!message_delta_seen) {
        return "message_stop without message_delta";
      }
      s.message_stopped = true;
      ended = true;
      continue;
    }
    return "unknown event type " + type;
  }
  if (open != -1 && !s.errored) {
    return "stream ends with block " + std::to_string(open) + " open";
  }
  if (s.message_stopped && s.stop_reason != "max_tokens") {
    for (const StreamBlock& b : s.blocks) {
      if (b.type == "tool_use") {
        json input = b.text.empty() ? json::object() : json::parse(b.text, nullptr, false);
        if (input.is_discarded() || !input.is_object()) {
          return "tool_use " + b.id + " input is not a JSON object: " + b.text;
        }
      }
    }
  }
  return {};
}

}  // namespace ccproxy::convert::testing
