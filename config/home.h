#pragma once
// The fleet's home directory and the paths ccproxy uses inside it.

#include <filesystem>
#include <optional>

namespace ccproxy::config {

/// The fleet's directory: --home, else $CCPROXY_HOME, else the current directory.
struct Home {
  std::filesystem::path root;

  std::filesystem::path profiles_dir() const { return root / "profiles"; }
  std::filesystem::path logs_dir() const { return root / "logs"; }
  std::filesystem::path pids_dir() const { return root / "pids"; }
  std::filesystem::path defaults_file() const { return root / "ccproxy.toml"; }
  std::filesystem::path env_file() const { return root / ".env"; }

  static Home resolve(const std::optional<std::filesystem::path>& flag);
};

}  // namespace ccproxy::config
