// Fuzz target: the upstream SSE parser (worker/convert/sse_parser.h).
//
// Input: byte 0 picks the size cap, byte 1 seeds the split points, the rest is the stream.
// Invariants: the same bytes give the same events however they are split (whole, one byte at
// a time, random pieces) — except that a run stopped by the cap gives a prefix of the others;
// no event field holds a line break, data holds no "\r", data never exceeds the cap, and the
// bytes held for an incomplete line/event stay bounded by the cap.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_check.h"
#include "worker/convert/sse_parser.h"

namespace {

using ccproxy::convert::SseEvent;
using ccproxy::convert::SseParser;

struct Run {
  std::vector<std::pair<std::string, std::string>> events;
  bool failed = false;
};

void check_event(const SseEvent& e, std::size_t cap) {
  FUZZ_CHECK(e.event.find_first_of("\r\n") == std::string_view::npos, std::string(e.event));
  FUZZ_CHECK(e.event.size() <= 256, std::to_string(e.event.size()));
  FUZZ_CHECK(e.data.find('\r') == std::string_view::npos, std::string(e.data));
  FUZZ_CHECK(e.data.size() <= cap, std::to_string(e.data.size()));
}

// Feeds `pieces` in order, then finishes.
Run parse(const std::vector<std::string_view>& pieces, std::size_t cap) {
  Run run;
  SseParser parser(cap);
  auto on_event = [&](const SseEvent& e) {
    check_event(e, cap);
    run.events.emplace_back(std::string(e.event), std::string(e.data));
  };
  for (std::string_view piece : pieces) {
    const bool ok = parser.feed(piece, on_event);
    FUZZ_CHECK(ok == !parser.failed(), "feed() result disagrees with failed()");
    // A line and an event are each capped; the event type is cut at 256 bytes.
    FUZZ_CHECK(parser.buffered_bytes() <= 2 * cap + 256,
               "buffered " + std::to_string(parser.buffered_bytes()));
    if (!ok) {
      break;
    }
  }
  if (!parser.failed()) {
    parser.finish(on_event);
  }
  run.failed = parser.failed();
  return run;
}

bool is_prefix(const Run& shorter, const Run& longer) {
  if (shorter.events.size() > longer.events.size()) {
    return false;
  }
  for (std::size_t i = 0; i < shorter.events.size(); ++i) {
    if (shorter.events[i] != longer.events[i]) {
      return false;
    }
  }
  return true;
}

void compare(const Run& a, const Run& b, const char* what) {
  if (!a.failed && !b.failed) {
    FUZZ_CHECK(a.events == b.events, what);
  } else if (a.failed && !b.failed) {
    FUZZ_CHECK(is_prefix(a, b), what);
  } else if (b.failed && !a.failed) {
    FUZZ_CHECK(is_prefix(b, a), what);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  static constexpr std::size_t kCaps[] = {8, 64, 1024, SseParser::kDefaultMaxEventBytes};
  const std::size_t cap = kCaps[data[0] % 4];
  uint32_t seed = data[1];
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  const Run whole = parse({stream}, cap);

  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    bytes.push_back(stream.substr(i, 1));
  }
  compare(whole, parse(bytes, cap), "byte-at-a-time feed differs from one feed");

  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < stream.size();) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = 1 + (seed >> 16) % 13;
    pieces.push_back(stream.substr(i, n));
    i += n;
  }
  compare(whole, parse(pieces, cap), "split feed differs from one feed");
  return 0;
}
