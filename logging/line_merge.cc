#include "logging/line_merge.h"

#include <string_view>

namespace ccproxy::logging {
namespace {

constexpr std::size_t kStampLength = 23;  // "2026-11-21 22:15:03.123"

bool digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

bool has_log_timestamp(const std::string& line) {
  static constexpr std::string_view kShape = "dddd-dd-dd dd:dd:dd.ddd";
  if (line.size() < kStampLength) {
    return false;
  }
  for (std::size_t i = 0; i < kStampLength; ++i) {
    if (kShape[i] == 'd' ? !digit(line[i]) : line[i] != kShape[i]) {
      return false;
    }
  }
  return true;
}

std::vector<SourcedLine> merge_by_time(const std::vector<std::vector<std::string>>& sources) {
  std::size_t total = 0;
  std::vector<std::vector<std::string_view>> keys(sources.size());
  for (std::size_t s = 0; s < sources.size(); ++s) {
    total += sources[s].size();
    std::string_view key;  // lines before the first stamp sort first
    for (const auto& line : sources[s]) {
      if (has_log_timestamp(line)) {
        key = std::string_view(line).substr(0, kStampLength);
      }
      keys[s].push_back(key);
    }
  }
  std::vector<std::size_t> next(sources.size(), 0);
  std::vector<SourcedLine> out;
  out.reserve(total);
  while (out.size() < total) {
    std::size_t best = sources.size();
    for (std::size_t s = 0; s < sources.size(); ++s) {
      if (next[s] >= sources[s].size()) {
        continue;
      }
      if (best == sources.size() || keys[s][next[s]] < keys[best][next[best]]) {
        best = s;
      }
    }
    out.push_back({best, sources[best][next[best]]});
    ++next[best];
  }
  return out;
}

}  // namespace ccproxy::logging
