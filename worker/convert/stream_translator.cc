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

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "worker/convert/convert.h"
#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/openai_fields.h"
#include "worker/convert/sse_parser.h"

namespace ccproxy::convert {
namespace {

using namespace std::string_view_literals;

using detail::element;
using detail::get_field;
using detail::get_string;

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kTextDelta = ",\"delta\":{\"type\":\"text_delta\",\"text\":";
constexpr std::string_view kThinkingDelta = ",\"delta\":{\"type\":\"thinking_delta\",\"thinking\":";
constexpr std::string_view kJsonDelta =
    ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":";
constexpr std::string_view kThinkClose = "</think>";

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Tracks whether streamed JSON text has completed one top-level object or array.
class JsonCompletion {
 public:
  /// Consumes `s` up to the byte that completes the value; returns how many bytes that is
  /// (all of `s` while the value is still open, 0 once it is complete).
  size_t feed(std::string_view s) {
    size_t i = 0;
    for (; i < s.size() && !complete_; ++i) {
      const char c = s[i];
      if (in_string_) {
        if (escape_) {
          escape_ = false;
        } else if (c == '\\') {
          escape_ = true;
        } else if (c == '"') {
          in_string_ = false;
        }
        continue;
      }
      if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if ((c == '}' || c == ']') && depth_ > 0) {
        complete_ = --depth_ == 0;
      }
    }
    return i;
  }
  bool complete() const { return complete_; }

 private:
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  bool complete_ = false;
};

enum class BlockKind { none, thinking, text, tool };

struct ToolCall {
  int64_t key = 0;
  std::string id;
  std::string name;
  std::string buffered;   // arguments received before the block could open
  std::string arguments;  // everything streamed, checked once the message ends
  JsonCompletion json;
  bool opened = false;
  bool closed = false;
};

struct Pending {
  BlockKind kind;
  size_t slot;  // tool slot for BlockKind::tool
  std::string data;
};

enum class ThinkMode { start, in_think, after_think, text };

// The start of `text` for an error message: leading whitespace dropped, control characters as
// spaces, at most `max` bytes (then "..."), valid UTF-8.
std::string text_snippet(std::string_view text, std::size_t max) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  text.remove_prefix(first == std::string_view::npos ? text.size() : first);
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

// Events up to this size share the thread's parser (as requests do).
constexpr std::size_t kThreadParserLimit = 4u << 20;

struct StreamTranslator::State {
  explicit State(ResponseContext c) : context(std::move(c)) {}

  ResponseContext context;
  SseParser sse;
  // Chunks are parsed with the thread's parser (a parser of its own cost every stream nine
  // allocations and fresh pages); only an oversized event gets a parser of its own.
  std::unique_ptr<simdjson::dom::parser> big_parser;
  simdjson::dom::parser& parser_for(std::size_t size) {
    if (size <= kThreadParserLimit) {
      return detail::thread_parser();
    }
    if (!big_parser) {
      big_parser = std::make_unique<simdjson::dom::parser>();
    }
    return *big_parser;
  }
  std::string scratch;
  Usage usage;
  bool started = false;
  bool finished = false;
  bool finish_seen = false;
  std::string finish_reason;
  bool any_tool = false;

  BlockKind open = BlockKind::none;
  int open_index = -1;
  size_t open_slot = 0;
  int next_index = 0;
  bool forcing = false;  // end of stream: incomplete tool calls no longer hold others back

  ThinkMode think_mode = ThinkMode::start;
  std::string think_hold;

  std::vector<ToolCall> tools;
  std::deque<Pending> queue;
  int64_t next_synthetic_key = -1;

  std::string* out = nullptr;

  // The first bytes, kept until an SSE event shows this is a stream: a provider that ignores
  // stream:true, or answers with a bare JSON error, is still translated (see finish()).
  static constexpr size_t kPreambleCap = SseParser::kDefaultMaxEventBytes;
  bool events_seen = false;
  std::string preamble;

  // --- event writing ---
  void write_event_head(std::string_view type) {
    out->append("event: "sv);
    out->append(type);
    out->append("\ndata: {\"type\":\""sv);
    out->append(type);
    out->push_back('"');
  }

  void ensure_started() {
    if (started) {
      return;
    }
    started = true;
    write_event_head("message_start");
    out->append(",\"message\":{\"id\":"sv);
    append_json_string(*out, context.message_id);
    out->append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":"sv);
    append_json_string(*out, context.model);
    out->append(
        ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":"sv);
    append_int(*out, usage.input_tokens);
    out->append(",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":"sv);
    append_int(*out, usage.cache_read_input_tokens);
    out->append(",\"output_tokens\":"sv);
    append_int(*out, usage.output_tokens);
    out->append("}}}\n\n"sv);
    out->append("event: ping\ndata: {\"type\":\"ping\"}\n\n"sv);
  }

  void close_block() {
    if (open == BlockKind::none) {
      return;
    }
    write_event_head("content_block_stop");
    out->append(",\"index\":"sv);
    append_int(*out, open_index);
    out->append("}\n\n"sv);
    if (open == BlockKind::tool) {
      tools[open_slot].closed = true;
    }
    open = BlockKind::none;
  }

  void open_block(BlockKind kind, size_t slot = 0) {
    close_block();
    open = kind;
    open_index = next_index++;
    open_slot = slot;
    write_event_head("content_block_start");
    out->append(",\"index\":"sv);
    append_int(*out, open_index);
    switch (kind) {
      case BlockKind::thinking:
        out->append(
            ",\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n"sv);
        break;
      case BlockKind::text:
        out->append(",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"sv);
        break;
      case BlockKind::tool: {
        ToolCall& tool = tools[slot];
        tool.opened = true;
        any_tool = true;
        if (tool.id.empty()) {
          tool.id = "toolu_" + context.message_id + "_" + std::to_string(slot);
        }
        out->append(",\"content_block\":{\"type\":\"tool_use\",\"id\":"sv);
        append_json_string(*out, tool.id);
        out->append(",\"name\":"sv);
        append_json_string(*out, tool.name);
        out->append(",\"input\":{}}}\n\n"sv);
        break;
      }
      case BlockKind::none:
        break;
    }
  }

  // The most frequent event, written in few pieces. `kind` is one of kTextDelta,
  // kThinkingDelta, kJsonDelta: the delta's type and the name of its field.
  void write_delta(std::string_view kind, std::string_view data) {
    out->append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"sv);
    append_int(*out, open_index);
    out->append(kind);
    append_json_string(*out, data);
    out->append("}}\n\n"sv);
  }

  // --- ordering of blocks ---
  bool open_tool_incomplete() const {
    return open == BlockKind::tool && !tools[open_slot].json.complete() && !forcing;
  }

  void route(BlockKind kind, size_t slot, std::string_view data) {
    const bool for_open_tool =
        kind == BlockKind::tool && open == BlockKind::tool && open_slot == slot;
    if (!for_open_tool && (open_tool_incomplete() || !queue.empty())) {
      queue.push_back(Pending{kind, slot, std::string(data)});
      return;
    }
    apply(kind, slot, data);
    drain();
  }

  void drain() {
    while (!queue.empty() && !open_tool_incomplete()) {
      Pending item = std::move(queue.front());
      queue.pop_front();
      apply(item.kind, item.slot, item.data);
    }
  }

  void apply(BlockKind kind, size_t slot, std::string_view data) {
    switch (kind) {
      case BlockKind::thinking:
        if (data.empty()) {
          return;
        }
        if (open != BlockKind::thinking) {
          open_block(BlockKind::thinking);
        }
        write_delta(kThinkingDelta, data);
        return;
      case BlockKind::text:
        if (data.empty()) {
          return;
        }
        if (open != BlockKind::text) {
          open_block(BlockKind::text);
        }
        write_delta(kTextDelta, data);
        return;
      case BlockKind::tool: {
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
        return;
      }
      case BlockKind::none:
        return;
    }
  }

  // Streams argument bytes until they complete the call's JSON object. Bytes after that can
  // only make it invalid (some providers repeat the whole arguments at the end), so they are
  // dropped.
  void emit_arguments(ToolCall& tool, std::string_view data) {
    data = skip_leading_space(tool, data);
    data = data.substr(0, tool.json.feed(data));
    if (!data.empty()) {
      tool.arguments.append(data);
      write_delta(kJsonDelta, data);
    }
  }

  // Whitespace before a call's first argument byte is dropped (insignificant to JSON): a call
  // whose arguments are only whitespace (e.g. "\n") must reach the client as no partial_json
  // at all, i.e. input {}, since a strict client fails to parse a whitespace-only input.
  // Found by tests/fuzz (stream_translator), kept in tests/fuzz/regressions/.
  static std::string_view skip_leading_space(const ToolCall& tool, std::string_view data) {
    if (tool.arguments.empty()) {
      while (!data.empty() && is_space(data.front())) {
        data.remove_prefix(1);
      }
    }
    return data;
  }

  // --- <think> tags inside content ---
  void content(std::string_view data) {
    switch (think_mode) {
      case ThinkMode::text:
        route(BlockKind::text, 0, data);
        return;
      case ThinkMode::start: {
        think_hold.append(data);
        size_t first = 0;
        while (first < think_hold.size() && is_space(think_hold[first])) {
          ++first;
        }
        std::string_view rest = std::string_view(think_hold).substr(first);
        if (rest.empty()) {
          return;  // only whitespace so far
        }
        if (rest.size() < kThinkOpen.size() && kThinkOpen.substr(0, rest.size()) == rest) {
          return;  // maybe the start of "<think>"
        }
        if (rest.substr(0, kThinkOpen.size()) == kThinkOpen) {
          std::string after(rest.substr(kThinkOpen.size()));
          think_hold.clear();
          think_mode = ThinkMode::in_think;
          content(after);
          return;
        }
        std::string text;
        text.swap(think_hold);
        think_mode = ThinkMode::text;
        route(BlockKind::text, 0, text);
        return;
      }
      case ThinkMode::in_think: {
        think_hold.append(data);
        const size_t close = think_hold.find(kThinkClose);
        if (close != std::string::npos) {
          std::string thinking = think_hold.substr(0, close);
          std::string after = think_hold.substr(close + kThinkClose.size());
          think_hold.clear();
          route(BlockKind::thinking, 0, thinking);
          think_mode = ThinkMode::after_think;
          content(after);
          return;
        }
        // Emit all but a tail that could be the start of "</think>".
        size_t keep = 0;
        for (size_t k = std::min(kThinkClose.size() - 1, think_hold.size()); k > 0; --k) {
          if (std::string_view(think_hold).substr(think_hold.size() - k) ==
              kThinkClose.substr(0, k)) {
            keep = k;
            break;
          }
        }
        if (think_hold.size() > keep) {
          std::string thinking = think_hold.substr(0, think_hold.size() - keep);
          think_hold.erase(0, think_hold.size() - keep);
          route(BlockKind::thinking, 0, thinking);
        }
        return;
      }
      case ThinkMode::after_think: {
        size_t first = 0;
        while (first < data.size() && is_space(data[first])) {
          ++first;
        }
        if (first == data.size()) {
          return;
        }
        think_mode = ThinkMode::text;
        route(BlockKind::text, 0, data.substr(first));
        return;
      }
    }
  }

  void flush_think() {
    if (think_hold.empty()) {
      return;
    }
    std::string held;
    held.swap(think_hold);
    if (think_mode == ThinkMode::in_think) {
      route(BlockKind::thinking, 0, held);
    } else if (think_mode == ThinkMode::start) {
      if (held.find_first_not_of(" \t\r\n") == std::string::npos) {
        return;  // whitespace-only content carries nothing: no empty-looking text block
      }
      think_mode = ThinkMode::text;
      route(BlockKind::text, 0, held);
    }
  }

  // Emits everything still held back and closes the open block.
  void close_all() {
    flush_think();
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

  // --- tool call deltas ---
  size_t tool_slot(const element* index_e, std::string_view id, std::string_view name,
                   std::string_view arguments) {
    int64_t key;
    if (index_e != nullptr && detail::is_number(*index_e)) {
      key = detail::as_int(*index_e);
      for (size_t s = tools.size(); s-- > 0;) {
        if (tools[s].key == key) {
          // A provider reusing one index for a new call (a complete previous call, then a
          // new id with a name) gets a new block.
          ToolCall& t = tools[s];
          if (!name.empty() && !id.empty() && !arguments.empty() && !t.name.empty() && id != t.id &&
              t.json.complete()) {
            key = next_synthetic_key--;
            break;
          }
          return s;
        }
      }
    } else {
      // No index: a new call when it brings a new id, else the latest call continues.
      if (!tools.empty() && (id.empty() || id == tools.back().id)) {
        return tools.size() - 1;
      }
      key = next_synthetic_key--;
    }
    tools.push_back(ToolCall{});
    tools.back().key = key;
    return tools.size() - 1;
  }

  void tool_calls(element calls) {
    for (element call : simdjson::dom::array(calls)) {
      if (!detail::is_object(call)) {
        continue;
      }
      static constexpr std::string_view kCallKeys[] = {"id", "function", "index"};
      element fields[3];
      bool has[3];
      detail::get_fields(call, kCallKeys, fields, has);
      std::string_view id;
      if (has[0] && detail::is_string(fields[0])) {
        id = std::string_view(fields[0]);
      }
      std::string_view name;
      std::string_view arguments;
      if (has[1]) {
        static constexpr std::string_view kFunctionKeys[] = {"name", "arguments"};
        element function[2];
        bool function_has[2];
        detail::get_fields(fields[1], kFunctionKeys, function, function_has);
        if (function_has[0] && detail::is_string(function[0])) {
          name = std::string_view(function[0]);
        }
        if (function_has[1]) {
          if (detail::is_string(function[1])) {
            arguments = std::string_view(function[1]);
          } else if (detail::is_object(function[1])) {
            scratch.clear();
            append_dom(scratch, function[1]);
            arguments = scratch;
          }
        }
      }
      const size_t slot = tool_slot(has[2] ? &fields[2] : nullptr, id, name, arguments);
      ToolCall& tool = tools[slot];
      if (tool.id.empty() && !id.empty()) {
        tool.id.assign(id);
      }
      if (tool.name.empty() && !name.empty()) {
        tool.name.assign(name);
      }
      route(BlockKind::tool, slot, arguments);
    }
  }

  bool arguments_are_object(const std::string& arguments) {
    size_t first = 0;
    while (first < arguments.size() && is_space(arguments[first])) {
      ++first;
    }
    if (first == arguments.size()) {
      return true;  // no arguments: input {}
    }
    element root;
    return detail::parse_lenient(parser_for(arguments.size()), arguments, scratch, root) ==
               simdjson::SUCCESS &&
           detail::is_object(root);
  }

  // --- chunks ---
  void fail_with(const ApiError& error) {
    if (finished) {
      return;
    }
    if (started) {
      close_all();
    }
    out->append(error_event(error));
    finished = true;
  }

  void end_message() {
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
        if (tool.opened && !arguments_are_object(tool.arguments)) {
          fail_with(ApiError{502, "api_error",
                             "upstream sent invalid JSON arguments for tool call " + tool.name +
                                 " (" + tool.id + ")"});
          return;
        }
      }
    }
    write_message_end(stop_reason);
  }

  void write_message_end(std::string_view stop_reason) {
    write_event_head("message_delta");
    out->append(",\"delta\":{\"stop_reason\":\""sv);
    out->append(stop_reason);
    out->append("\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":"sv);
    append_int(*out, usage.input_tokens);
    out->append(",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":"sv);
    append_int(*out, usage.cache_read_input_tokens);
    out->append(",\"output_tokens\":"sv);
    append_int(*out, usage.output_tokens);
    out->append("}}\n\n"sv);
    out->append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"sv);
    finished = true;
  }

  // A whole chat-completion (or error) body where a stream was expected: converted as a
  // whole response, then sent as the events of one block each.
  void replay_whole_response(std::string_view body) {
    auto converted = to_anthropic_response(body, context);
    if (!converted) {
      fail_with(converted.error());
      return;
    }
    usage = converted->usage;
    element root;
    if (parser_for(converted->body.size()).parse(converted->body).get(root) != simdjson::SUCCESS) {
      fail_with(ApiError{502, "api_error", "upstream response could not be translated"});
      return;
    }
    ensure_started();
    element content;
    if (get_field(root, "content", content) && detail::is_array(content)) {
      for (element block : simdjson::dom::array(content)) {
        std::string_view type;
        std::string_view text;
        get_string(block, "type", type);
        if (type == "text" && get_string(block, "text", text) && !text.empty()) {
          open_block(BlockKind::text);
          write_delta(kTextDelta, text);
        } else if (type == "thinking" && get_string(block, "thinking", text)) {
          open_block(BlockKind::thinking);
          write_delta(kThinkingDelta, text);
        } else if (type == "tool_use") {
          ToolCall tool;
          std::string_view value;
          if (get_string(block, "id", value)) {
            tool.id.assign(value);
          }
          if (get_string(block, "name", value)) {
            tool.name.assign(value);
          }
          tools.push_back(std::move(tool));
          open_block(BlockKind::tool, tools.size() - 1);
          element input;
          scratch.clear();
          if (get_field(block, "input", input)) {
            append_dom(scratch, input);
          }
          if (scratch.size() > 2) {
            write_delta(kJsonDelta, scratch);
          }
        }
      }
    }
    close_block();
    std::string_view stop_reason = "end_turn";
    get_string(root, "stop_reason", stop_reason);
    write_message_end(stop_reason);
  }

  void on_event(const SseEvent& event) {
    events_seen = true;
    if (finished) {
      return;
    }
    std::string_view data = event.data;
    size_t first = 0;
    while (first < data.size() && is_space(data[first])) {
      ++first;
    }
    data.remove_prefix(first);
    if (data.substr(0, 6) == "[DONE]") {
      end_message();  // an explicit end: complete even without a finish_reason
      return;
    }
    const bool error_event_type = event.event == "error";
    if (data.empty() || (data.front() != '{' && data.front() != '[')) {
      if (error_event_type) {
        fail_with(ApiError{502, "api_error",
                           "upstream stream error: " + std::string(data.substr(0, 300))});
      }
      return;  // keep-alive noise
    }
    // Parsed where the SSE parser keeps it: its padding follows (SseEvent::data).
    static_assert(SseParser::kDataPadding >= simdjson::SIMDJSON_PADDING);
    element root;
    simdjson::dom::parser& parser = parser_for(data.size());
    simdjson::error_code error = parser.parse(data.data(), data.size(), false).get(root);
    if (error == simdjson::UTF8_ERROR || error == simdjson::STRING_ERROR) {
      error = detail::parse_lenient(parser, data, scratch, root);
    }
    if (error || !detail::is_object(root)) {
      fail_with(ApiError{502, "api_error", "upstream sent a malformed stream chunk"});
      return;
    }
    // Each object of a chunk is read in one pass over its fields.
    static constexpr std::string_view kRootKeys[] = {"error", "usage", "choices"};
    element root_fields[3];
    bool root_has[3];
    detail::get_fields(root, kRootKeys, root_fields, root_has);
    if (root_has[0]) {  // (an ApiError allocates: not for every chunk)
      ApiError upstream;
      if (detail::read_openai_error(root, data, upstream)) {
        fail_with(upstream);
        return;
      }
    }
    if (error_event_type) {
      fail_with(ApiError{502, "api_error", "upstream stream error"});
      return;
    }
    if (root_has[1]) {
      detail::read_openai_usage(root_fields[1], usage);
    }
    ensure_started();
    element choice;
    bool has_choice = false;
    if (root_has[2] && detail::is_array(root_fields[2])) {
      for (element c : simdjson::dom::array(root_fields[2])) {
        choice = c;
        has_choice = detail::is_object(c);
        break;
      }
    }
    if (!has_choice) {
      return;  // e.g. the usage trailer with "choices": []
    }
    static constexpr std::string_view kChoiceKeys[] = {"usage", "delta", "finish_reason"};
    element choice_fields[3];
    bool choice_has[3];
    detail::get_fields(choice, kChoiceKeys, choice_fields, choice_has);
    if (choice_has[0]) {
      detail::read_openai_usage(choice_fields[0], usage);  // Moonshot puts usage inside the choice
    }
    if (choice_has[1] && detail::is_object(choice_fields[1])) {
      static constexpr std::string_view kDeltaKeys[] = {"reasoning_content", "reasoning", "content",
                                                        "tool_calls"};
      element delta[4];
      bool delta_has[4];
      detail::get_fields(choice_fields[1], kDeltaKeys, delta, delta_has);
      std::string_view text;
      if (((delta_has[0] && delta[0].get(text) == simdjson::SUCCESS) ||
           (delta_has[1] && delta[1].get(text) == simdjson::SUCCESS)) &&
          !text.empty()) {
        route(BlockKind::thinking, 0, text);
      }
      if (delta_has[2] && delta[2].get(text) == simdjson::SUCCESS && !text.empty()) {
        content(text);
      }
      if (delta_has[3] && detail::is_array(delta[3])) {
        tool_calls(delta[3]);
      }
    }
    std::string_view finish;
    if (choice_has[2] && choice_fields[2].get(finish) == simdjson::SUCCESS) {
      finish_seen = true;
      finish_reason.assign(finish);
      close_all();
    }
  }
};

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
    s.fail_with(ApiError{502, "api_error", "upstream stream line exceeded the size limit"});
  }
  s.out = nullptr;
}

void StreamTranslator::finish(std::string& out) {
  State& s = *state_;
  if (s.finished) {
    return;
  }
  s.out = &out;
  if (!s.sse.failed()) {
    s.sse.finish([&s](const SseEvent& event) { s.on_event(event); });
  }
  if (!s.finished && !s.events_seen && s.preamble.size() < State::kPreambleCap &&
      s.preamble.find_first_not_of(" \t\r\n") != std::string::npos &&
      s.preamble[s.preamble.find_first_not_of(" \t\r\n")] == '{') {
    s.replay_whole_response(s.preamble);  // not SSE at all: a whole JSON body
  }
  if (!s.finished) {
    if (s.finish_seen) {
      s.end_message();
    } else if (!s.events_seen && s.preamble.find_first_not_of(" \t\r\n") != std::string::npos) {
      // E.g. an HTML page from a login portal or a base_url that is a website: say what came.
      s.fail_with(ApiError{502, "api_error",
                           "upstream did not answer with an event stream; it began: " +
                               text_snippet(s.preamble, 200)});
    } else {
      s.fail_with(
          ApiError{502, "api_error", "upstream stream ended before the response was complete"});
    }
  }
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
