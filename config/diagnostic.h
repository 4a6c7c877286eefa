#pragma once
// A configuration problem. Loading never throws: every problem becomes a Diagnostic, so
// `ccproxy check` can print all of them at once.

#include <filesystem>
#include <string>

namespace ccproxy::config {

/// One problem, printed as "profiles/glm.toml:7: upstream.base_url: not a URL".
struct Diagnostic {
  std::filesystem::path file;  // relative to the home where possible
  int line = 0;                // 0 when unknown
  std::string key;             // dotted key, may be empty
  std::string message;
  /// The profile the problem belongs to; empty for fleet-wide ones (ccproxy.toml, .env,
  /// profiles/ itself), which concern every profile.
  std::string profile;

  std::string str() const;
};

}  // namespace ccproxy::config
