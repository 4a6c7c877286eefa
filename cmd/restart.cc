// ccproxy restart: one worker at a time, each ready before the next goes down.

#include <iostream>
#include <map>

#include "cmd/args.h"
#include "cmd/command.h"
#include "supervisor/fleet_cli.h"
#include "supervisor/control/supervisor_client.h"
#include "supervisor/supervisor_process.h"

namespace ccproxy::cmd {
namespace {

namespace sv = ccproxy::supervisor;

int run(const Invocation& inv) {
  std::vector<std::string> names;
  ArgParser parser;
  parser.positionals(&names, 0, 1000);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kRestartCommand, *err);
  }
  config::Fleet fleet = sv::load_home_fleet(inv.home);
  if (!fleet.ok()) {
    for (const auto& d : fleet.problems) {
      std::cerr << "ccproxy restart: " << d.str() << "\n";
    }
    std::cerr << "ccproxy restart: nothing was restarted; fix the profiles (`ccproxy check`)\n";
    return kExitFailure;
  }
  std::vector<std::string> selected;
  for (const auto& n : names) {
    if (fleet.find(n) == nullptr) {
      return usage_error(kRestartCommand, "no profile named '" + n + "'");
    }
  }
  if (names.empty()) {
    for (const auto& p : fleet.profiles) {
      selected.push_back(p.name);
    }
  } else {
    selected = names;
  }
  // A fresh supervisor adopts workers left running; one still starting is waited for.
  if (auto r = sv::ensure_supervisor(inv.home, std::chrono::seconds(10)); !r) {
    std::cerr << "ccproxy restart: " << r.error() << "\n";
    return kExitFailure;
  }
  auto before = sv::supervisor_views(inv.home).value_or(std::map<std::string, sv::WorkerView>{});
  auto reply = sv::ask_supervisor(inv.home, {{"op", "restart"}, {"names", names}});
  if (!reply || !reply->value("ok", false)) {
    std::cerr << "ccproxy restart: "
              << (reply ? reply->value("error", std::string("refused")) : reply.error()) << "\n";
    return kExitFailure;
  }
  auto per_worker = fleet.supervisor.start_timeout + fleet.supervisor.stop_timeout;
  auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(
      per_worker * static_cast<int>(selected.size()) + std::chrono::seconds(2));
  sv::wait_until(bound, [&] {
    auto now = sv::supervisor_views(inv.home);
    if (!now) {
      return true;
    }
    for (const auto& n : selected) {
      auto it = now->find(n);
      if (it == now->end()) {
        continue;
      }
      const auto& v = it->second;
      int old_pid = before.count(n) ? before[n].pid : 0;
      bool done = (v.state == sv::WorkerState::running && v.pid != old_pid) ||
                  v.state == sv::WorkerState::fatal || v.state == sv::WorkerState::conflict ||
                  v.state == sv::WorkerState::stopped;
      if (!done) {
        return false;
      }
    }
    return true;
  });
  sv::StatusReport report = sv::current_status(inv.home, fleet);
  sv::print_status(std::cout, report);
  return sv::rows_healthy(report, selected) ? kExitOk : kExitFailure;
}

}  // namespace

const Command kRestartCommand{
    "restart", "restart [NAME...]", "restart workers one at a time",
    "Restarts every worker (or each NAME) one at a time; each is ready (/health 200) before\n"
    "the next goes down. Starts a supervisor first if none runs. Exit 0 when all are ready.\n",
    run};

}  // namespace ccproxy::cmd
