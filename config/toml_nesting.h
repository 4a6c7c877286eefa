#pragma once
// A bound on how deeply a TOML text nests, checked before toml++ sees it: toml++ builds (and
// destroys) nested tables recursively, so a file of dotted keys thousands of levels deep would
// overflow the stack. The scan is one cheap pass over the text that knows just enough TOML
// (strings, comments, table headers, keys, arrays and inline tables) to count levels.

#include <optional>
#include <string_view>

namespace ccproxy::config {

/// More levels than any configuration needs (a profile uses four).
inline constexpr int kMaxTomlNesting = 64;

/// The first line (1-based) where `text` goes more than `limit` levels deep, counting each part
/// of a dotted key or table header, each array and each inline table; nullopt when it never
/// does. Malformed text is left for the TOML parser to report.
std::optional<int> find_excess_nesting(std::string_view text, int limit = kMaxTomlNesting);

}  // namespace ccproxy::config
