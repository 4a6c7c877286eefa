#pragma once
// Reading a TOML file without exceptions: toml++ throws toml::parse_error, which is turned
// into a Diagnostic here, at the boundary.

#include <filesystem>
#include <optional>
#include <vector>

#include <toml++/toml.h>

#include "config/diagnostic.h"

namespace ccproxy::config {

/// Parses `file`; nodes remember `shown` (the home-relative path) as their source, so later
/// diagnostics name it. On failure (unreadable, nested more than kMaxTomlNesting levels, not
/// TOML) records one Diagnostic and returns nullopt.
std::optional<toml::table> parse_toml_file(const std::filesystem::path& file,
                                           const std::filesystem::path& shown,
                                           const std::string& profile,
                                           std::vector<Diagnostic>* problems);

/// parse_toml_file() on text already read.
std::optional<toml::table> parse_toml_text(const std::string& text,
                                           const std::filesystem::path& shown,
                                           const std::string& profile,
                                           std::vector<Diagnostic>* problems);

}  // namespace ccproxy::config
