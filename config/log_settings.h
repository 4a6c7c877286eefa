#pragma once
// Log handling for every worker and the supervisor ([logs] in ccproxy.toml).

#include <cstdint>

namespace ccproxy::config {

struct LogSettings {
  std::uint64_t rotate_bytes = 50ull << 20;    // size cap of the current file
  bool rotate_daily = true;                    // at local midnight
  bool compress = false;                       // gzip archives
  int retention_days = 3;                      // archives older than this are deleted
  std::uint64_t max_total_bytes = 1ull << 30;  // all archives of the home together
};

}  // namespace ccproxy::config
