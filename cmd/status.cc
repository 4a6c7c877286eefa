// ccproxy status: one table of every profile keyed by port; exit 0 when all are healthy.

#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "supervisor/fleet_cli.h"
#include "supervisor/supervisor_process.h"

#include <nlohmann/json.hpp>

namespace ccproxy::cmd {
namespace {

namespace sv = ccproxy::supervisor;

int run(const Invocation& inv) {
  bool json = false;
  ArgParser parser;
  parser.flag("json", &json);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kStatusCommand, *err);
  }
  config::Fleet fleet = sv::load_home_fleet(inv.home);
  for (const auto& d : fleet.problems) {
    std::cerr << "ccproxy status: " << d.str() << "\n";
  }
  sv::StatusReport report = sv::current_status(inv.home, fleet);
  if (json) {
    std::cout << sv::to_json(report).dump(2) << "\n";
  } else {
    sv::print_status(std::cout, report);
  }
  return report.all_healthy() ? kExitOk : kExitNotHealthy;
}

}  // namespace

const Command kStatusCommand{
    "status", "status [--json]", "one table of every profile: port, pid, state, health, models",
    "NAME PORT PID STATE UPTIME RESTARTS HEALTH MODELS UPSTREAM, one row per profile.\n"
    "STATE: stopped, starting, running, backoff, stopping, fatal, unmanaged (a worker of ours\n"
    "whose supervisor is gone), conflict (its port is held by another process).\n"
    "HEALTH: the /health result and latency, probed concurrently with a 0.5 s timeout.\n"
    "Exit 0 when every profile is healthy, 3 otherwise.\n\n"
    "options:\n"
    "  --json  the same facts as JSON\n",
    run};

}  // namespace ccproxy::cmd
