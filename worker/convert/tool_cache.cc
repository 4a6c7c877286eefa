#include "worker/convert/tool_cache.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace ccproxy::convert::detail {

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

void ToolListCache::put(std::string_view raw, std::string converted, std::size_t written) {
  Entry* slot = nullptr;
  for (Entry& e : entries_) {
    if (e.raw == raw) {
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
  slot->converted = std::make_shared<const std::string>(std::move(converted));
  slot->written = written;
  slot->last_use = ++clock_;
}

ToolListCache& thread_tool_cache() {
  thread_local ToolListCache cache;
  return cache;
}

bool find_top_level_tools(const char* json, std::size_t size, RawSpan& span) {
  // On Demand walks the structure without materialising it: the tools array is skipped over,
  // not parsed, and only its bounds are kept.
  thread_local simdjson::ondemand::parser parser;
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

}  // namespace ccproxy::convert::detail
