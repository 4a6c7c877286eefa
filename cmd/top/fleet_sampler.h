#pragma once
// One round of `ccproxy top`'s data: the fleet's status (from the supervisor, or pid files when
// none runs) with, for every profile, one GET /health and one GET /metrics sent together (the
// status's own health probe is that GET /health), and each worker's metrics window.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cmd/top/metrics_window.h"
#include "cmd/top/top_screen.h"
#include "config/home.h"

namespace ccproxy::cmd::top {

struct FleetSample {
  bool supervisor_running = false;
  int supervisor_pid = 0;
  std::vector<TopRow> rows;           // by port
  std::vector<std::string> problems;  // profiles that do not load
};

/// The "upstreams" of a worker's /health as one cell ("requesty ok 2/2, backup cooldown 12s"),
/// nullopt when the body has no such list (or is not JSON).
std::optional<std::string> upstreams_cell(const std::string& health_body);

class FleetSampler {
 public:
  explicit FleetSampler(config::Home home) : home_(std::move(home)) {}

  /// Asks everything once; at most one /health and one /metrics request per worker.
  FleetSample sample(std::chrono::milliseconds timeout = std::chrono::milliseconds(500));

 private:
  struct History {
    int pid = 0;
    MetricsWindow window;
  };
  config::Home home_;
  std::map<std::string, History> history_;  // by profile name
};

}  // namespace ccproxy::cmd::top
