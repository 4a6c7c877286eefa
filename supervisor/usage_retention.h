#pragma once
// The supervisor's daily pass over the usage ledger: rows older than [usage] retention_days
// (read afresh from ccproxy.toml each time) are removed, at start and then once a day.

#include <chrono>
#include <optional>

#include "config/home.h"

namespace spdlog {
class logger;
}

namespace ccproxy::supervisor {

class UsageRetention {
 public:
  UsageRetention(const config::Home& home, spdlog::logger& logger) : home_(home), log_(logger) {}

  /// Runs the retention when it has not run yet or a day has passed since.
  void tick(std::chrono::steady_clock::time_point now);

 private:
  const config::Home& home_;
  spdlog::logger& log_;
  std::optional<std::chrono::steady_clock::time_point> last_;
};

}  // namespace ccproxy::supervisor
