#pragma once
// Gathers the fleet's status for `ccproxy status` (and after start/restart/reload): the
// supervisor's view when one runs, otherwise what pid files, the listener lookup and /proc say;
// plus a concurrent /health probe of every profile's port.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "config/fleet.h"
#include "config/home.h"
#include "supervisor/control/control_protocol.h"
#include "supervisor/health_probe.h"
#include "supervisor/os/listener_lookup.h"
#include "supervisor/os/process_table.h"
#include "supervisor/status_table.h"

namespace ccproxy::supervisor {

struct StatusSources {
  ProcessTable& procs;
  ListenerLookup& listeners;
  HealthProber& prober;
  /// The supervisor's answer to a status request, or nullopt when none runs / it did not answer.
  std::function<std::optional<StatusReply>()> ask_supervisor;
};

struct StatusOptions {
  std::chrono::milliseconds probe_timeout{500};
  bool clean_stale = true;  // remove pid files whose process is gone or reused
};

StatusReport gather_status(const config::Home& home, const config::Fleet& fleet,
                           StatusSources sources, const StatusOptions& options = {});

/// Stops workers straight from their pid files (no supervisor): SIGTERM to each verified
/// worker's process group, SIGKILL after stop_timeout, then waits for the port to be free.
/// A profile of `ports` (name -> port) without a valid pid file is found by what listens on its
/// port, when that process proves to be this home's worker for it (os/own_command.h).
/// Stale pid files are cleaned and reported; nothing unverified is ever signalled.
struct DirectStopResult {
  std::vector<std::string> stopped;  // "glm (pid 123)"
  std::vector<std::string> failed;   // "glm (pid 123) still running after SIGKILL"
  std::vector<std::string> notes;    // stale pid files
};
DirectStopResult stop_from_pid_files(const config::Home& home,
                                     const std::vector<std::string>& names,
                                     std::chrono::milliseconds stop_timeout, ProcessTable& procs,
                                     ListenerLookup& listeners,
                                     const std::map<std::string, std::uint16_t>& ports = {});

/// Names of every pids/<name>.json (the supervisor's own record excluded).
std::vector<std::string> pid_file_names(const config::Home& home);

}  // namespace ccproxy::supervisor
