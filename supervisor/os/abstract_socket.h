#pragma once
// Names in Linux's abstract Unix-socket namespace: a socket bound there exists only as long as
// some process holds it open, and no file can be removed to make it go away. The kernel
// releases the name when the holder dies, so a crash never leaves it behind.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ccproxy::supervisor {

/// "ccproxy-<role>-<sha256 of the canonical path, hex>": one name per file path, whatever the
/// spelling of the path and whether the file (or its directory) exists right now.
std::string abstract_name(const std::filesystem::path& path, std::string_view role);

/// Binds a new socket to `name` and returns its fd (O_CLOEXEC); nullopt when another socket
/// holds the name; an error when no socket can be made.
Result<std::optional<int>> bind_abstract(const std::string& name);

/// True when some socket is bound to `name` now (checked without keeping it).
bool abstract_bound(const std::string& name);

}  // namespace ccproxy::supervisor
