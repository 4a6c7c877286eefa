#pragma once
// Converted tool lists, kept between requests.
//
// Claude Code sends its whole tool list with every request: in the fixture request that is
// 72 KB of an 86 KB body (25 tools with long descriptions and JSON schemas), identical from
// one request of a session to the next. Converting it (escaping every description, writing
// every schema) was most of the conversion time, so the converted list is kept, keyed by the
// exact bytes of the Anthropic `tools` array and the provider it was converted for (Gemini's
// schemas differ): a list that differs in one byte is a miss.
//
// A request is matched by a text search for `"tools":` followed by a stored list; the list is
// then replaced by a per-thread random placeholder, and the hit counts only if the rest parses
// and its top-level `tools` is that placeholder (request.cc). A miss finds the list with a
// structural pass (find_top_level_tools) and stores its conversion.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "worker/worker_config.h"

namespace ccproxy::convert::detail {

class ToolListCache {
 public:
  struct Entry {
    std::string raw;  // the Anthropic `tools` array as the client sent it
    worker::Provider provider = worker::Provider::generic;  // converted for this provider
    // `,"tools":[...]` for OpenAI; empty when no tool is callable. Shared: a request may send
    // it as is (RequestOptions::splice_tools) while a later request evicts the entry.
    std::shared_ptr<const std::string> converted;
    std::size_t written = 0;  // tools in `converted`
    /// The list's part of the count_tokens estimate (estimate_tool_list), made when routing
    /// first needs it: a request that uses the stored list is parsed without it. -1: not yet.
    mutable double tool_tokens = -1;
    std::uint64_t last_use = 0;
  };

  /// Lists shorter than this convert in a few microseconds: not worth keeping.
  static constexpr std::size_t kMinBytes = 2 * 1024;
  static constexpr std::size_t kMaxBytes = 1024 * 1024;
  /// A main agent and a few sub-agents each have their own list.
  static constexpr std::size_t kMaxEntries = 4;

  static bool worth_caching(std::string_view raw) {
    return raw.size() >= kMinBytes && raw.size() <= kMaxBytes;
  }

  /// An entry whose `raw` is the beginning of `text` (for any provider), or nullptr.
  const Entry* find_prefix_of(std::string_view text);
  /// The entry of exactly `raw` converted for `provider`, or nullptr.
  const Entry* find(std::string_view raw, worker::Provider provider);
  /// Adds (or replaces) an entry, evicting the least recently used one when full.
  void put(std::string_view raw, worker::Provider provider, std::string converted,
           std::size_t written);
  std::size_t size() const { return entries_.size(); }
  void clear() { entries_.clear(); }

 private:
  std::vector<Entry> entries_;
  std::uint64_t clock_ = 0;
};

/// The cache of the calling thread (a worker converts on its one event-loop thread).
ToolListCache& thread_tool_cache();

/// A stored list found in a request body.
struct CachedToolsAt {
  const ToolListCache::Entry* entry;
  std::size_t offset;  // where the list starts in the body
  std::size_t length;
};
/// The first `"tools":` in `body` that is followed by a stored list, byte for byte. Cheap (a
/// text search): whether it is the top-level key is for the caller to prove.
std::optional<CachedToolsAt> find_cached_tools(std::string_view body, ToolListCache& cache);

struct RawSpan {
  std::size_t offset = 0;
  std::size_t length = 0;
};
/// Where the top-level `tools` array of `json` is (`json` must have SIMDJSON_PADDING readable
/// bytes after its end). false when the document is not an object, has no `tools` array, has
/// it twice, or does not parse.
bool find_top_level_tools(const char* json, std::size_t size, RawSpan& span);

}  // namespace ccproxy::convert::detail
