#pragma once
// Editing the model tiers of a profile's TOML text in place: only the lines of the changed
// values change (a missing key is inserted at the end of its table, a missing table appended);
// comments, order, blank lines and everything else stay byte for byte. The result is read back
// with toml++ and checked to hold exactly the new values, or the edit is refused.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ccproxy::config {

/// One `tier=MODEL` (the profile's [models]) or `tier@UPSTREAM=MODEL` (the [upstreams.models]
/// of the [[upstreams]] whose name is UPSTREAM).
struct ModelAssignment {
  std::string tier;
  std::string upstream;  // empty: [models]
  std::string model;
};

/// True when `arg` looks like an assignment (has '=').
bool is_assignment(std::string_view arg);
/// Parses one assignment; the error says what is wrong ("unknown tier 'huge' (big, middle,
/// small, vision, long, think)", "empty model", ...).
Result<ModelAssignment> parse_assignment(std::string_view arg);

/// The text with every assignment written in. Refused (text untouched) when a named upstream
/// does not exist, when a pooled profile (one with [[upstreams]] and no [models]) gets an
/// assignment without an upstream, or when the file's layout cannot be edited line by line
/// (e.g. an inline table or a multi-line string where the value is).
Result<std::string> set_models(const std::string& text,
                               const std::vector<ModelAssignment>& assignments);

}  // namespace ccproxy::config
