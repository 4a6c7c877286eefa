#pragma once
// The resident supervisor process: holds the home's lock, serves the control socket, runs the
// FleetSupervisor loop, logs its decisions to logs/ccproxy.log. SIGHUP reloads the profiles;
// SIGTERM/SIGINT stop every worker, then the supervisor exits.

#include <string>
#include <vector>

#include "config/fleet.h"
#include "config/home.h"
#include "supervisor/fleet_supervisor.h"

namespace ccproxy::supervisor {

struct SupervisorOptions {
  config::Home home;
  bool foreground = false;  // log to stderr too; started by `start --foreground`
  bool start_now = false;   // start `names` (all when empty) right away
  std::vector<std::string> names;
};

/// Runs until stopped; returns the process exit code.
int run_supervisor(const SupervisorOptions& options);

/// The worker spec of each valid profile.
std::vector<WorkerSpec> worker_specs(const config::Fleet& fleet);

/// Loads the home's fleet with the process environment.
config::Fleet load_home_fleet(const config::Home& home);

}  // namespace ccproxy::supervisor
