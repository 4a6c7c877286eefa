// ccproxy restart: one worker at a time, each ready before the next goes down.

#include <iostream>
#include <map>

#include "cmd/args.h"
#include "cmd/command.h"
#include "cmd/fleet_command.h"
#include "supervisor/control/supervisor_client.h"
#include "supervisor/fleet_cli.h"
#include "supervisor/supervisor_process.h"

namespace ccproxy::cmd {
namespace {

namespace sv = ccproxy::supervisor;

// Every worker in `names` is back (running under a new pid) or has given up.
bool all_restarted(const sv::StatusReply& status, const std::vector<std::string>& names,
                   const std::map<std::string, sv::WorkerView>& before) {
  auto now = status.workers_by_name();
  for (const auto& n : names) {
    auto it = now.find(n);
    if (it == now.end()) {
      continue;
    }
    const auto& v = it->second;
    auto old = before.find(n);
    int old_pid = old != before.end() ? old->second.pid : 0;
    bool done = (v.state == sv::WorkerState::running && v.pid != old_pid) ||
                v.state == sv::WorkerState::fatal || v.state == sv::WorkerState::conflict ||
                v.state == sv::WorkerState::stopped;
    if (!done) {
      return false;
    }
  }
  return true;
}

int run(const Invocation& inv) {
  std::vector<std::string> names;
  ArgParser parser;
  parser.positionals(&names, 0, 1000);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kRestartCommand, *err);
  }
  config::Fleet fleet = sv::load_home_fleet(inv.home);
  if (refuse_broken_fleet(fleet, "restart", "restarted")) {
    return kExitFailure;
  }
  for (const auto& n : names) {
    if (fleet.find(n) == nullptr) {
      return usage_error(kRestartCommand, "no profile named '" + n + "'");
    }
  }
  std::vector<std::string> selected = names;
  if (selected.empty()) {
    for (const auto& p : fleet.profiles) {
      selected.push_back(p.name);
    }
  }
  // A fresh supervisor adopts workers left running; one still starting is waited for.
  if (auto r = sv::ensure_supervisor(inv.home, std::chrono::seconds(10)); !r) {
    std::cerr << "ccproxy restart: " << r.error() << "\n";
    return kExitFailure;
  }
  auto before = sv::supervisor_views(inv.home).value_or(std::map<std::string, sv::WorkerView>{});
  if (auto reply = sv::SupervisorClient(inv.home).restart(names); !reply) {
    std::cerr << "ccproxy restart: " << reply.error().message << "\n";
    return kExitFailure;
  }
  sv::StatusReport report = sv::wait_and_print_status(
      inv.home, fleet, rolling_bound(fleet.supervisor, selected.size()),
      [&](const sv::StatusReply& status) { return all_restarted(status, selected, before); });
  return sv::rows_healthy(report, selected) ? kExitOk : kExitFailure;
}

}  // namespace

const Command kRestartCommand{
    "restart", "restart [NAME...]", "restart workers one at a time",
    "Restarts every worker (or each NAME) one at a time; each is ready (/health 200) before\n"
    "the next goes down. Starts a supervisor first if none runs. Exit 0 when all are ready.\n",
    run};

}  // namespace ccproxy::cmd
