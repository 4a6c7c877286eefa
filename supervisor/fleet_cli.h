#pragma once
// Helpers shared by the fleet commands (start, stop, restart, reload, status): ask the
// supervisor for its workers, wait for them with a bound, gather and print the status table.

#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/fleet.h"
#include "config/home.h"
#include "supervisor/control/control_protocol.h"
#include "supervisor/control/worker_state.h"
#include "supervisor/status_report.h"
#include "supervisor/status_table.h"

namespace ccproxy::supervisor {

/// The supervisor's workers by name; nullopt when none runs or it does not answer.
std::optional<std::map<std::string, WorkerView>> supervisor_views(
    const config::Home& home, std::chrono::milliseconds timeout = std::chrono::seconds(2));

/// Polls `done` every few milliseconds until it returns true or `timeout` passes.
bool wait_until(std::chrono::milliseconds timeout, const std::function<bool()>& done);

/// After a request to the supervisor: polls its status until `done` holds for it, or the
/// supervisor is gone or does not answer, or `bound` passes (then false).
bool wait_for_fleet(const config::Home& home, std::chrono::milliseconds bound,
                    const std::function<bool(const StatusReply&)>& done);

/// wait_for_fleet, then the status table printed to stdout; returns what it shows.
StatusReport wait_and_print_status(const config::Home& home, const config::Fleet& fleet,
                                   std::chrono::milliseconds bound,
                                   const std::function<bool(const StatusReply&)>& done);

/// Status of the fleet with the real process table, listener lookup and probes.
StatusReport current_status(
    const config::Home& home, const config::Fleet& fleet,
    std::chrono::milliseconds probe_timeout = std::chrono::milliseconds(500));

/// The same with another prober (`ccproxy top` reads /health and /metrics in its probes) and
/// options (a viewer leaves stale pid files alone).
StatusReport current_status(const config::Home& home, const config::Fleet& fleet,
                            HealthProber& prober, const StatusOptions& options);

/// Prints the table (colour on a TTY unless NO_COLOR) to `out`.
void print_status(std::ostream& out, const StatusReport& report);

/// True when every row named in `names` (all rows when empty) is healthy.
bool rows_healthy(const StatusReport& report, const std::vector<std::string>& names);

/// "a, b, c".
std::string join_names(const std::vector<std::string>& names);

}  // namespace ccproxy::supervisor
