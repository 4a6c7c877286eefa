#include "worker/convert/tool_cache.h"

#if defined(__SSE2__)
#include <emmintrin.h>  // find_tools_key
#endif
#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "worker/convert/json_access.h"

namespace ccproxy::convert::detail {
namespace {

constexpr std::string_view kToolsKey = "\"tools\"";

// The first `"tools"` in `s` at or after `from`, or npos. Sixteen candidate positions at a
// time are filtered on two of the key's bytes ('t' and 's'), then compared whole: a body is
// full of '"', so filtering on the quotes would stop far more often. (glibc's memmem took
// about 2 instructions per byte; the key follows the messages, which can be megabytes.)
std::size_t find_tools_key(std::string_view s, std::size_t from) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i t = _mm_set1_epi8('t');
  const __m128i last = _mm_set1_epi8('s');
  for (; i + 5 + 16 <= n; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 5));
    unsigned mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, t), _mm_cmpeq_epi8(b, last))));
    while (mask != 0) {
      const std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(mask));
      if (at + kToolsKey.size() <= n &&
          std::memcmp(p + at, kToolsKey.data(), kToolsKey.size()) == 0) {
        return at;
      }
      mask &= mask - 1;
    }
  }
#endif
  return i < n ? s.find(kToolsKey, i) : std::string_view::npos;
}

}  // namespace

const ToolListCache::Entry* ToolListCache::find_prefix_of(std::string_view text) {
  for (Entry& e : entries_) {
    if (e.raw.size() <= text.size() && e.raw.back() == text[e.raw.size() - 1] &&
        std::memcmp(e.raw.data(), text.data(), e.raw.size()) == 0) {
      e.last_use = ++clock_;
      return &e;
    }
  }
  return nullptr;
}

const ToolListCache::Entry* ToolListCache::find(std::string_view raw, worker::Provider provider) {
  for (Entry& e : entries_) {
    if (e.provider == provider && e.raw == raw) {
      e.last_use = ++clock_;
      return &e;
    }
  }
  return nullptr;
}

void ToolListCache::put(std::string_view raw, worker::Provider provider, std::string converted,
                        std::size_t written) {
  Entry* slot = nullptr;
  for (Entry& e : entries_) {
    if (e.provider == provider && e.raw == raw) {
      slot = &e;
      break;
    }
  }
  if (slot == nullptr && entries_.size() < kMaxEntries) {
    slot = &entries_.emplace_back();
  }
  if (slot == nullptr) {
    slot = &*std::min_element(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return a.last_use < b.last_use;
    });
  }
  slot->raw.assign(raw);
  slot->provider = provider;
  slot->converted = std::make_shared<const std::string>(std::move(converted));
  slot->written = written;
  slot->last_use = ++clock_;
}

ToolListCache& thread_tool_cache() {
  thread_local ToolListCache cache;
  return cache;
}

namespace {

// On Demand walks the structure without materialising it: the tools array is skipped over,
// not parsed, and only its bounds are kept.
bool find_tools_span(simdjson::ondemand::parser& parser, const char* json, std::size_t size,
                     RawSpan& span) {
  simdjson::padded_string_view view(json, size, size + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  if (parser.iterate(view).get(doc) != simdjson::SUCCESS) {
    return false;
  }
  simdjson::ondemand::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) {
    return false;
  }
  RawSpan found;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return false;
    }
    if (key != "tools") {
      continue;  // the value is skipped when the loop moves on
    }
    if (found.length != 0) {
      return false;  // twice: leave the choice to the full parse
    }
    simdjson::ondemand::array tools;
    std::string_view raw;
    if (field.value().get_array().get(tools) != simdjson::SUCCESS ||
        tools.raw_json().get(raw) != simdjson::SUCCESS) {
      return false;
    }
    found = RawSpan{static_cast<std::size_t>(raw.data() - json), raw.size()};
  }
  span = found;
  return found.length != 0;
}

}  // namespace

bool find_top_level_tools(const char* json, std::size_t size, RawSpan& span) {
  thread_local simdjson::ondemand::parser parser;
  const bool found = find_tools_span(parser, json, size, span);
  release_if_oversized(parser);
  return found;
}

std::optional<CachedToolsAt> find_cached_tools(std::string_view body, ToolListCache& cache) {
  std::size_t from = 0;
  while (true) {
    const std::size_t at = find_tools_key(body, from);
    if (at == std::string_view::npos) {
      return std::nullopt;
    }
    std::size_t v = at + kToolsKey.size();
    while (v < body.size() && is_json_space(body[v])) {
      ++v;
    }
    if (v < body.size() && body[v] == ':') {
      ++v;
      while (v < body.size() && is_json_space(body[v])) {
        ++v;
      }
      if (v < body.size() && body[v] == '[') {
        if (const ToolListCache::Entry* e = cache.find_prefix_of(body.substr(v))) {
          return CachedToolsAt{e, v, e->raw.size()};
        }
      }
    }
    from = at + 1;
  }
}

}  // namespace ccproxy::convert::detail
