// Usage from Anthropic responses (pass-through mode): a whole message body or SSE bytes.

#include <string>
#include <string_view>

#include "worker/convert/json_access.h"
#include "worker/convert/sse_parser.h"
#include "worker/convert/usage.h"

namespace ccproxy::convert {
namespace {

using detail::element;
using detail::get_field;

void read_usage(element usage, Usage& out) {
  element e;
  if (get_field(usage, "input_tokens", e) && detail::is_number(e)) {
    out.input_tokens = detail::as_int(e);
  }
  if (get_field(usage, "output_tokens", e) && detail::is_number(e)) {
    out.output_tokens = detail::as_int(e);
  }
  if (get_field(usage, "cache_read_input_tokens", e) && detail::is_number(e)) {
    out.cache_read_input_tokens = detail::as_int(e);
  }
  if (get_field(usage, "cache_creation_input_tokens", e) && detail::is_number(e)) {
    out.cache_creation_input_tokens = detail::as_int(e);
  }
}

void read_event(simdjson::dom::parser& parser, std::string& scratch, std::string_view data,
                Usage& out) {
  element root;
  if (detail::parse_lenient(parser, data, scratch, root) != simdjson::SUCCESS) {
    return;
  }
  element e;
  if (get_field(root, "message", e)) {
    element usage;
    if (get_field(e, "usage", usage)) {
      read_usage(usage, out);  // message_start
    }
  }
  if (get_field(root, "usage", e)) {
    read_usage(e, out);  // a whole message, or message_delta
  }
}

}  // namespace

Usage anthropic_usage(std::string_view anthropic_body) {
  Usage usage;
  simdjson::dom::parser parser;
  std::string scratch;
  size_t first = 0;
  while (first < anthropic_body.size() &&
         (anthropic_body[first] == ' ' || anthropic_body[first] == '\n' ||
          anthropic_body[first] == '\r' || anthropic_body[first] == '\t')) {
    ++first;
  }
  if (first < anthropic_body.size() && anthropic_body[first] == '{') {
    read_event(parser, scratch, anthropic_body, usage);
    return usage;
  }
  SseParser sse;
  auto on_event = [&](const SseEvent& event) {
    const std::string_view data = event.data;
    // Only the events that carry usage are parsed.
    if (data.find("\"usage\"") != std::string_view::npos) {
      read_event(parser, scratch, data, usage);
    }
  };
  sse.feed(anthropic_body, on_event);
  sse.finish(on_event);
  return usage;
}

}  // namespace ccproxy::convert
