#pragma once
// The status of the fleet as users see it: one row per profile keyed by port, rendered as a
// table (pm2 ls style) or as JSON with the same facts.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "supervisor/control/worker_state.h"
#include "supervisor/health_probe.h"

namespace ccproxy::supervisor {

/// One upstream of a worker's pool as its /health reports it.
struct UpstreamView {
  std::string name;
  std::string state;  // ok, cooldown, probing
  int cooldown_left_s = 0;
  int keys_ok = 0;
  int keys_total = 0;
  std::string last_error;
};

struct StatusRow {
  std::string name;
  std::uint16_t port = 0;
  int pid = 0;
  WorkerState state = WorkerState::stopped;
  std::optional<std::chrono::seconds> uptime;
  std::optional<int> restarts;  // known only to a running supervisor
  std::optional<ExitStatus> last_exit;
  HealthResult health;
  std::string big_model, middle_model, small_model;
  std::string upstream;
  std::vector<UpstreamView> upstreams;  // from /health; empty when it did not answer
  std::string message;                  // conflict/fatal/backoff explanation

  /// Running (or unmanaged) and /health answered 200.
  bool healthy() const;
};

struct StatusReport {
  bool supervisor_running = false;
  int supervisor_pid = 0;
  std::vector<StatusRow> rows;     // sorted by port
  std::vector<std::string> notes;  // e.g. stale pid files that were cleaned

  bool all_healthy() const;
};

/// "5s", "4m12s", "2h03m", "3d04h"; "-" when unknown.
std::string format_uptime(std::optional<std::chrono::seconds> uptime);
/// "big" when all three are equal, else "big/middle/small".
std::string format_models(const StatusRow& row);

/// "requesty ok, zai cooldown 41s"; "-" when not known.
std::string format_upstreams(const StatusRow& row);

/// The pool in a worker's /health body; empty when it has none or is not JSON.
std::vector<UpstreamView> upstreams_from_health(const std::string& body);

/// The table plus one line per row that has a message. ANSI colours only when `colour`.
std::string render_table(const StatusReport& report, bool colour);

nlohmann::json to_json(const StatusReport& report);

/// Colour on a TTY unless NO_COLOR is set (https://no-color.org).
bool want_colour(int fd);

}  // namespace ccproxy::supervisor
