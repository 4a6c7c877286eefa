// The end of a stream: the message ended normally, by an error, or by the input's end, which
// may show that the upstream sent a whole response (or an error page) instead of a stream.

#include <string>
#include <string_view>

#include "worker/convert/anthropic_events.h"
#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/openai_fields.h"
#include "worker/convert/stream_translator_state.h"

namespace ccproxy::convert {
namespace {

// The start of `text` for an error message: leading whitespace dropped, control characters as
// spaces, at most `max` bytes (then "..."), valid UTF-8.
std::string text_snippet(std::string_view text, std::size_t max) {
  text = detail::skip_json_space(text);
  std::string out(text.substr(0, max));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      c = ' ';
    }
  }
  out = sanitize_utf8(out);
  if (text.size() > max) {
    out += "...";
  }
  return out;
}

}  // namespace

using detail::element;
using detail::get_field;
using detail::get_string;
using detail::ToolCall;

void StreamTranslator::State::end_of_input() {
  if (!sse.failed()) {
    sse.finish([this](const SseEvent& event) { on_event(event); });
  }
  if (!finished && !events_seen && preamble.size() < kPreambleCap && preamble_is_json_object()) {
    replay_whole_response(preamble);  // not SSE at all: a whole JSON body
  }
  if (finished) {
    return;
  }
  if (finish_seen) {
    end_message();
  } else if (!events_seen && !detail::skip_json_space(preamble).empty()) {
    // E.g. an HTML page from a login portal or a base_url that is a website: say what came.
    fail_with(bad_stream("upstream did not answer with an event stream; it began: " +
                         text_snippet(preamble, 200)));
  } else {
    fail_with(bad_stream("upstream stream ended before the response was complete"));
  }
}

bool StreamTranslator::State::preamble_is_json_object() const {
  const std::string_view start = detail::skip_json_space(preamble);
  return !start.empty() && start.front() == '{';
}

void StreamTranslator::State::end_message() {
  if (finished) {
    return;
  }
  ensure_started();
  close_all();
  const std::string_view stop_reason = detail::stop_reason_for(finish_reason, any_tool);
  if (stop_reason != "max_tokens") {
    // Streamed arguments cannot be repaired afterwards: a call whose arguments are not a
    // JSON object (a provider bug or a lost chunk) ends the message with an error rather
    // than a tool call the client cannot parse.
    for (const ToolCall& tool : tools) {
      if (tool.opened && !tool.arguments_are_object(parser_for(tool.arguments.size()), scratch)) {
        fail_with(bad_stream("upstream sent invalid JSON arguments for tool call " + tool.name +
                             " (" + tool.id + ")"));
        return;
      }
    }
  }
  write_message_end(stop_reason);
}

void StreamTranslator::State::write_message_end(std::string_view stop_reason) {
  detail::write_message_end(*out, stop_reason, usage);
  finished = true;
}

void StreamTranslator::State::fail_with(const ApiError& error) {
  if (finished) {
    return;
  }
  if (started) {
    close_all();
  }
  out->append(error_event(error));
  finished = true;
}

// A whole chat-completion (or error) body where a stream was expected: converted as a
// whole response, then sent as the events of one block each.
void StreamTranslator::State::replay_whole_response(std::string_view body) {
  auto converted = to_anthropic_response(body, context);
  if (!converted) {
    fail_with(converted.error());
    return;
  }
  usage = converted->usage;
  element root;
  if (parser_for(converted->body.size()).parse(converted->body).get(root) != simdjson::SUCCESS) {
    fail_with(bad_stream("upstream response could not be translated"));
    return;
  }
  ensure_started();
  element content;
  if (get_field(root, "content", content) && detail::is_array(content)) {
    for (element block : simdjson::dom::array(content)) {
      replay_block(block);
    }
  }
  close_block();
  std::string_view stop_reason = "end_turn";
  get_string(root, "stop_reason", stop_reason);
  write_message_end(stop_reason);
}

void StreamTranslator::State::replay_block(detail::element block) {
  std::string_view type;
  std::string_view text;
  get_string(block, "type", type);
  if (type == "text" && get_string(block, "text", text) && !text.empty()) {
    open_block(BlockKind::text);
    write_delta(detail::kTextDelta, text);
  } else if (type == "thinking" && get_string(block, "thinking", text)) {
    open_block(BlockKind::thinking);
    write_delta(detail::kThinkingDelta, text);
  } else if (type == "tool_use") {
    ToolCall tool;
    std::string_view value;
    if (get_string(block, "id", value)) {
      tool.id.assign(value);
    }
    if (get_string(block, "name", value)) {
      tool.name.assign(value);
    }
    open_block(BlockKind::tool, tools.add_whole(std::move(tool)));
    element input;
    scratch.clear();
    if (get_field(block, "input", input)) {
      append_dom(scratch, input);
    }
    if (scratch.size() > 2) {
      write_delta(detail::kJsonDelta, scratch);
    }
  }
}

}  // namespace ccproxy::convert
