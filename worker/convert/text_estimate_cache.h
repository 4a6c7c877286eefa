#pragma once
// Token estimates of long texts, kept between requests.
//
// Claude Code sends the whole conversation with every request: the system prompt, the
// CLAUDE.md reminders and every earlier tool result come again, unchanged, each turn. The
// routing rules' `long` estimate (and count_tokens) would otherwise scan all of it every time
// (about 1 ns a byte). A text of kMinBytes or more is looked up by a 64-bit XXH3 hash of its
// bytes (hashing runs at several GB/s); a miss is estimated and stored. Two different texts
// with one hash would share an estimate: at 64 bits, with a few thousand texts alive, that is
// not expected to happen once, and what it would change is an estimate.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace ccproxy::convert {

class TextEstimateCache {
 public:
  /// Below this a text is estimated directly: the lookup would cost about as much.
  static constexpr std::size_t kMinBytes = 128;
  /// Slots (a power of two); a slot holds the last text hashed to it. 16 bytes each.
  static constexpr std::size_t kSlots = 8192;

  /// estimate_text_tokens(text), from the cache when `text` was estimated before.
  double tokens(std::string_view text);

  std::uint64_t hits() const { return hits_; }
  std::uint64_t misses() const { return misses_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    double tokens = -1;  // -1: empty
  };
  std::unique_ptr<Slot[]> slots_;  // allocated on first use
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

/// The cache of the calling thread (a worker estimates on its one event-loop thread).
TextEstimateCache& thread_text_estimate_cache();

/// estimate_text_tokens(text) through the calling thread's cache.
double cached_text_tokens(std::string_view text);

}  // namespace ccproxy::convert
