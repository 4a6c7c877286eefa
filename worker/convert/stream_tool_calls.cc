#include "worker/convert/stream_tool_calls.h"

#include <utility>

#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/openai_fields.h"

namespace ccproxy::convert::detail {

std::string_view ToolCall::take_arguments(std::string_view data) {
  // Whitespace before a call's first argument byte is dropped (insignificant to JSON): a call
  // whose arguments are only whitespace (e.g. "\n") must reach the client as no partial_json
  // at all, i.e. input {}, since a strict client fails to parse a whitespace-only input.
  // Found by tests/fuzz (stream_translator), kept in tests/fuzz/regressions/.
  if (arguments.empty()) {
    data = skip_json_space(data);
  }
  data = data.substr(0, json.feed(data));
  arguments.append(data);
  return data;
}

bool ToolCall::arguments_are_object(simdjson::dom::parser& parser, std::string& scratch) const {
  if (skip_json_space(arguments).empty()) {
    return true;  // no arguments: input {}
  }
  element root;
  return parse_lenient(parser, arguments, scratch, root) == simdjson::SUCCESS && is_object(root);
}

bool read_tool_call_delta(element call, std::string& scratch, ToolCallDelta& delta) {
  if (!is_object(call)) {
    return false;
  }
  // Read on every chunk of a streamed call: each object's fields in one pass.
  static constexpr std::string_view kCallKeys[] = {"id", "function", "index", "extra_content"};
  element fields[4];
  bool has[4];
  get_fields(call, kCallKeys, fields, has);
  if (has[0] && is_string(fields[0])) {
    delta.id = std::string_view(fields[0]);
  }
  if (has[1]) {
    static constexpr std::string_view kFunctionKeys[] = {"name", "arguments"};
    element function[2];
    bool function_has[2];
    get_fields(fields[1], kFunctionKeys, function, function_has);
    if (function_has[0] && is_string(function[0])) {
      delta.name = std::string_view(function[0]);
    }
    if (function_has[1]) {
      if (is_string(function[1])) {
        delta.arguments = std::string_view(function[1]);
      } else if (is_object(function[1])) {
        scratch.clear();
        append_dom(scratch, function[1]);
        delta.arguments = scratch;
      }
    }
  }
  if (has[3]) {
    thought_signature_of(call, delta.thought_signature);
  }
  delta.has_index = has[2];
  if (has[2]) {
    delta.index = fields[2];
  }
  return true;
}

size_t ToolCalls::add(const ToolCallDelta& delta) {
  const size_t slot = slot_for(delta);
  ToolCall& call = calls_[slot];
  if (call.id.empty() && !delta.id.empty()) {
    call.id.assign(delta.id);
  }
  if (call.name.empty() && !delta.name.empty()) {
    call.name.assign(delta.name);
  }
  if (call.thought_signature.empty() && !delta.thought_signature.empty()) {
    call.thought_signature.assign(delta.thought_signature);
  }
  return slot;
}

size_t ToolCalls::add_whole(ToolCall call) {
  calls_.push_back(std::move(call));
  return calls_.size() - 1;
}

size_t ToolCalls::slot_for(const ToolCallDelta& delta) {
  int64_t key;
  if (delta.has_index && is_number(delta.index)) {
    key = as_int(delta.index);
    for (size_t s = calls_.size(); s-- > 0;) {
      if (calls_[s].key == key) {
        // A provider reusing one index for a new call (a complete previous call, then a
        // new id with a name) gets a new block.
        const ToolCall& t = calls_[s];
        if (!delta.name.empty() && !delta.id.empty() && !delta.arguments.empty() &&
            !t.name.empty() && delta.id != t.id && t.json.complete()) {
          key = next_synthetic_key_--;
          break;
        }
        return s;
      }
    }
  } else {
    // No index: a new call when it brings a new id, else the latest call continues.
    if (!calls_.empty() && (delta.id.empty() || delta.id == calls_.back().id)) {
      return calls_.size() - 1;
    }
    key = next_synthetic_key_--;
  }
  calls_.push_back(ToolCall{});
  calls_.back().key = key;
  return calls_.size() - 1;
}

}  // namespace ccproxy::convert::detail
