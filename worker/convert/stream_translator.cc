// StreamTranslator: OpenAI chat-completion chunks (SSE) -> Anthropic Messages SSE events.
//
// One content block is open at a time, with increasing indices: thinking (reasoning_content,
// reasoning, or a leading <think>...</think> in content), text, tool_use. A tool call is keyed
// by its chunk `index`; its block opens as soon as its name is known and its arguments stream
// as input_json_delta pieces. While a tool block is open and its arguments are not yet a
// complete JSON value, anything for another block (another tool index, text, thinking) is
// queued and emitted in arrival order once the arguments complete or the stream ends; so
// interleaved parallel calls are never mixed into one block and nothing is lost, while the
// usual sequential calls stream without delay.

#include "worker/convert/stream_translator.h"

#include <string>
#include <string_view>

#include "worker/convert/anthropic_events.h"
#include "worker/convert/json_access.h"
#include "worker/convert/openai_fields.h"
#include "worker/convert/providers/provider_rules.h"
#include "worker/convert/stream_translator_state.h"

namespace ccproxy::convert {

using detail::element;
using detail::ToolCall;

// --- events ---

void StreamTranslator::State::on_event(const SseEvent& event) {
  events_seen = true;
  if (finished) {
    return;
  }
  const std::string_view data = detail::skip_json_space(event.data);
  if (data.substr(0, 6) == "[DONE]") {
    end_message();  // an explicit end: complete even without a finish_reason
    return;
  }
  const bool error_event_type = event.event == "error";
  if (data.empty() || (data.front() != '{' && data.front() != '[')) {
    if (error_event_type) {
      fail_with(bad_stream("upstream stream error: " + std::string(data.substr(0, 300))));
    }
    return;  // keep-alive noise
  }
  element root;
  if (parse_chunk(data, root)) {
    on_chunk(root, data, error_event_type);
  }
}

bool StreamTranslator::State::parse_chunk(std::string_view data, detail::element& root) {
  // Parsed where the SSE parser keeps it: its padding follows (SseEvent::data).
  static_assert(SseParser::kDataPadding >= simdjson::SIMDJSON_PADDING);
  simdjson::dom::parser& parser = parser_for(data.size());
  simdjson::error_code error = parser.parse(data.data(), data.size(), false).get(root);
  if (error == simdjson::UTF8_ERROR || error == simdjson::STRING_ERROR) {
    error = detail::parse_lenient(parser, data, scratch, root);
  }
  if (error || !detail::is_object(root)) {
    fail_with(bad_stream("upstream sent a malformed stream chunk"));
    return false;
  }
  return true;
}

// Each object of a chunk is read in one pass over its fields.
void StreamTranslator::State::on_chunk(detail::element root, std::string_view data,
                                       bool error_event_type) {
  static constexpr std::string_view kRootKeys[] = {"error", "usage", "choices"};
  element fields[3];
  bool has[3];
  detail::get_fields(root, kRootKeys, fields, has);
  if (has[0]) {  // (an ApiError allocates: not for every chunk)
    ApiError upstream;
    if (detail::read_openai_error(root, data, upstream)) {
      fail_with(upstream);
      return;
    }
  }
  if (error_event_type) {
    fail_with(bad_stream("upstream stream error"));
    return;
  }
  if (has[1]) {
    detail::read_openai_usage(fields[1], usage);
  }
  ensure_started();
  element choice;
  if (has[2] && detail::first_choice(fields[2], choice)) {
    on_choice(choice);
  }  // else e.g. the usage trailer with "choices": []
}

void StreamTranslator::State::on_choice(detail::element choice) {
  static constexpr std::string_view kChoiceKeys[] = {"usage", "delta", "finish_reason"};
  element fields[3];
  bool has[3];
  detail::get_fields(choice, kChoiceKeys, fields, has);
  if (has[0]) {
    detail::read_openai_usage(fields[0], usage);  // Moonshot puts usage inside the choice
  }
  if (has[1] && detail::is_object(fields[1])) {
    on_delta(fields[1]);
  }
  std::string_view finish;
  if (has[2] && fields[2].get(finish) == simdjson::SUCCESS) {
    finish_seen = true;
    finish_reason.assign(finish);
    close_all();
  }
}

void StreamTranslator::State::on_delta(detail::element delta) {
  static constexpr std::string_view kDeltaKeys[] = {"reasoning_content", "reasoning", "content",
                                                    "tool_calls"};
  element fields[4];
  bool has[4];
  detail::get_fields(delta, kDeltaKeys, fields, has);
  std::string_view text;
  if (((has[0] && fields[0].get(text) == simdjson::SUCCESS) ||
       (has[1] && fields[1].get(text) == simdjson::SUCCESS)) &&
      !text.empty()) {
    route(BlockKind::thinking, 0, text);
  }
  if (has[2] && fields[2].get(text) == simdjson::SUCCESS && !text.empty()) {
    think.feed(text, *this);
  }
  if (has[3] && detail::is_array(fields[3])) {
    tool_calls(fields[3]);
  }
}

void StreamTranslator::State::tool_calls(detail::element calls) {
  for (element call : simdjson::dom::array(calls)) {
    detail::ToolCallDelta delta;
    if (detail::read_tool_call_delta(call, scratch, delta)) {
      route(BlockKind::tool, tools.add(delta), delta.arguments);
    }
  }
}

// --- blocks ---

void StreamTranslator::State::ensure_started() {
  if (started) {
    return;
  }
  started = true;
  detail::write_message_start(*out, context, usage);
}

void StreamTranslator::State::open_block(BlockKind kind, size_t slot) {
  close_block();
  open = kind;
  open_index = next_index++;
  open_slot = slot;
  switch (kind) {
    case BlockKind::thinking:
      detail::write_thinking_block_start(*out, open_index);
      signer.start(context.provider, context.upstream_model);
      break;
    case BlockKind::text:
      detail::write_text_block_start(*out, open_index);
      break;
    case BlockKind::tool: {
      ToolCall& tool = tools[slot];
      tool.opened = true;
      any_tool = true;
      if (tool.id.empty()) {
        tool.id = "toolu_" + context.message_id + "_" + std::to_string(slot);
      }
      if (!tool.thought_signature.empty() &&
          providers::rules_for(context.provider).thought_signatures) {
        // (tool.id stays the provider's: later deltas are matched by it)
        detail::write_tool_block_start(
            *out, open_index,
            providers::tool_id_with_value(tool.id, context.provider, context.upstream_model,
                                          tool.thought_signature),
            tool.name);
        break;
      }
      detail::write_tool_block_start(*out, open_index, tool.id, tool.name);
      break;
    }
    case BlockKind::none:
      break;
  }
}

void StreamTranslator::State::close_block() {
  if (open == BlockKind::none) {
    return;
  }
  if (open == BlockKind::thinking) {
    detail::write_signature_delta(*out, open_index, signer.signature());
  }
  detail::write_block_stop(*out, open_index);
  if (open == BlockKind::tool) {
    tools[open_slot].closed = true;
  }
  open = BlockKind::none;
}

void StreamTranslator::State::write_delta(std::string_view kind, std::string_view data) {
  if (open == BlockKind::thinking) {
    signer.add(data);
  }
  detail::write_block_delta(*out, open_index, kind, data);
}

void StreamTranslator::State::route(BlockKind kind, size_t slot, std::string_view data) {
  const bool for_open_tool =
      kind == BlockKind::tool && open == BlockKind::tool && open_slot == slot;
  if (!for_open_tool && (open_tool_incomplete() || !queue.empty())) {
    queue.push_back(Pending{kind, slot, std::string(data)});
    return;
  }
  apply(kind, slot, data);
  drain();
}

void StreamTranslator::State::drain() {
  while (!queue.empty() && !open_tool_incomplete()) {
    Pending item = std::move(queue.front());
    queue.pop_front();
    apply(item.kind, item.slot, item.data);
  }
}

bool StreamTranslator::State::open_tool_incomplete() const {
  return open == BlockKind::tool && !tools[open_slot].json.complete() && !forcing;
}

void StreamTranslator::State::apply(BlockKind kind, size_t slot, std::string_view data) {
  switch (kind) {
    case BlockKind::thinking:
    case BlockKind::text:
      if (data.empty()) {
        return;
      }
      if (open != kind) {
        open_block(kind);
      }
      write_delta(kind == BlockKind::text ? detail::kTextDelta : detail::kThinkingDelta, data);
      return;
    case BlockKind::tool:
      apply_arguments(slot, data);
      return;
    case BlockKind::none:
      return;
  }
}

void StreamTranslator::State::apply_arguments(size_t slot, std::string_view data) {
  ToolCall& tool = tools[slot];
  if (tool.closed) {
    // Arguments after the call's JSON was complete cannot be valid; nothing to keep.
    return;
  }
  if (!tool.opened) {
    tool.buffered.append(data);
    if (tool.name.empty() && !forcing) {
      return;  // the block opens once the name is known
    }
    open_block(BlockKind::tool, slot);
    std::string buffered;
    buffered.swap(tool.buffered);
    emit_arguments(tool, buffered);
    return;
  }
  emit_arguments(tool, data);
}

void StreamTranslator::State::emit_arguments(detail::ToolCall& tool, std::string_view data) {
  data = tool.take_arguments(data);
  if (!data.empty()) {
    write_delta(detail::kJsonDelta, data);
  }
}

// Emits everything still held back and closes the open block.
void StreamTranslator::State::close_all() {
  think.flush(*this);
  forcing = true;
  drain();
  for (size_t slot = 0; slot < tools.size(); ++slot) {
    if (!tools[slot].opened && !tools[slot].closed) {
      apply(BlockKind::tool, slot, {});  // a call whose name never came: still delivered
    }
  }
  close_block();
  forcing = false;
}

// --- StreamTranslator ---

StreamTranslator::StreamTranslator(ResponseContext context)
    : state_(std::make_unique<State>(std::move(context))) {}

StreamTranslator::~StreamTranslator() = default;

void StreamTranslator::feed(std::string_view bytes, std::string& out) {
  State& s = *state_;
  if (s.finished) {
    return;
  }
  s.out = &out;
  const bool ok = s.sse.feed(bytes, [&s](const SseEvent& event) { s.on_event(event); });
  // Kept only while no event has come (usually the first read already brings some).
  if (!s.events_seen && s.preamble.size() < State::kPreambleCap) {
    s.preamble.append(bytes.substr(0, State::kPreambleCap - s.preamble.size()));
  }
  if (s.events_seen && !s.preamble.empty()) {
    std::string().swap(s.preamble);
  }
  if (!ok && !s.finished) {
    s.fail_with(bad_stream("upstream stream line exceeded the size limit"));
  }
  s.release_oversized_parsers();
  s.out = nullptr;
}

void StreamTranslator::finish(std::string& out) {
  State& s = *state_;
  if (s.finished) {
    return;
  }
  s.out = &out;
  s.end_of_input();
  s.release_oversized_parsers();
  s.out = nullptr;
}

void StreamTranslator::fail(const ApiError& error, std::string& out) {
  State& s = *state_;
  s.out = &out;
  s.fail_with(error);
  s.out = nullptr;
}

bool StreamTranslator::finished() const {
  return state_->finished;
}

const Usage& StreamTranslator::usage() const {
  return state_->usage;
}

}  // namespace ccproxy::convert
