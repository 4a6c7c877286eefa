#pragma once
// Files compiled into the binary (cmake/embed_files.cmake), so an installed ccproxy carries
// what the repository ships: the four profiles `ccproxy init` writes into a new home.

#include <span>
#include <string_view>

namespace ccproxy::cmd {

struct EmbeddedFile {
  std::string_view name;  // file name, e.g. "glm.toml"
  std::string_view text;
};

/// The repository's profiles/*.toml, by file name.
std::span<const EmbeddedFile> shipped_profiles();

}  // namespace ccproxy::cmd
