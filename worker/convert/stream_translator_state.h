#pragma once
// StreamTranslator::State, the translator's state machine. Its parts:
//   stream_translator.cc  the events of a stream: chunks in, blocks opened, deltas routed
//   stream_end.cc         the end of a stream: normal, by error, or a whole response replayed
// Pieces it builds on: ThinkSplitter (<think> in content), ToolCalls (tool-call assembly),
// anthropic_events.h (the events written).

#include <simdjson.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "worker/convert/json_access.h"
#include "worker/convert/providers/carry.h"
#include "worker/convert/sse_parser.h"
#include "worker/convert/stream_tool_calls.h"
#include "worker/convert/stream_translator.h"
#include "worker/convert/think_splitter.h"

namespace ccproxy::convert {

struct StreamTranslator::State final : detail::ThinkSplitter::Sink {
  enum class BlockKind { none, thinking, text, tool };

  // Something for another block, held while an incomplete tool call's block is open.
  struct Pending {
    BlockKind kind;
    size_t slot;  // tool slot for BlockKind::tool
    std::string data;
  };

  // Events up to this size share the thread's parser (as requests do).
  static constexpr std::size_t kThreadParserLimit = 4u << 20;
  // The first bytes, kept until an SSE event shows this is a stream: a provider that ignores
  // stream:true, or answers with a bare JSON error, is still translated (see end_of_input()).
  static constexpr size_t kPreambleCap = SseParser::kDefaultMaxEventBytes;

  explicit State(ResponseContext c) : context(std::move(c)) {}

  // Chunks are parsed with the thread's parser (a parser of its own cost every stream nine
  // allocations and fresh pages); only an oversized event gets a parser of its own.
  simdjson::dom::parser& parser_for(std::size_t size) {
    if (size <= kThreadParserLimit) {
      return detail::thread_parser();
    }
    if (!big_parser) {
      big_parser = std::make_unique<simdjson::dom::parser>();
    }
    return *big_parser;
  }
  // After each read of the stream: an event that grew a parser (or the repair scratch) past
  // detail::kIdleCapacity leaves none of them sized for it.
  void release_oversized_parsers() {
    detail::release_if_oversized(detail::thread_parser());
    detail::release_if_oversized(scratch);
    big_parser.reset();
  }

  // --- events (stream_translator.cc) ---
  void on_event(const SseEvent& event);
  bool parse_chunk(std::string_view data, detail::element& root);
  void on_chunk(detail::element root, std::string_view data, bool error_event_type);
  void on_choice(detail::element choice);
  void on_delta(detail::element delta);
  void tool_calls(detail::element calls);

  // --- blocks (stream_translator.cc) ---
  void ensure_started();
  void open_block(BlockKind kind, size_t slot = 0);
  void close_block();
  void write_delta(std::string_view kind, std::string_view data);
  /// Applies `data` for a block now, or queues it behind an incomplete tool call.
  void route(BlockKind kind, size_t slot, std::string_view data);
  void drain();
  bool open_tool_incomplete() const;
  void apply(BlockKind kind, size_t slot, std::string_view data);
  void apply_arguments(size_t slot, std::string_view data);
  void emit_arguments(detail::ToolCall& tool, std::string_view data);
  /// Emits everything still held back and closes the open block.
  void close_all();
  // ThinkSplitter::Sink: the pieces of `content`.
  void thinking(std::string_view data) override { route(BlockKind::thinking, 0, data); }
  void text(std::string_view data) override { route(BlockKind::text, 0, data); }

  // --- the end (stream_end.cc) ---
  void end_of_input();
  void end_message();
  void write_message_end(std::string_view stop_reason);
  void fail_with(const ApiError& error);
  bool preamble_is_json_object() const;
  void replay_whole_response(std::string_view body);
  void replay_block(detail::element block);

  ResponseContext context;
  SseParser sse;
  std::unique_ptr<simdjson::dom::parser> big_parser;
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

  providers::ThinkingSigner signer;  // the open thinking block's signature
  detail::ThinkSplitter think;
  detail::ToolCalls tools;
  std::deque<Pending> queue;

  std::string* out = nullptr;

  bool events_seen = false;
  std::string preamble;
};

/// An upstream failure of the stream (502 api_error).
inline ApiError bad_stream(std::string message) {
  return ApiError{502, "api_error", std::move(message)};
}

}  // namespace ccproxy::convert
