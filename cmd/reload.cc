// ccproxy reload: re-read the profiles; start added ones, stop removed ones, restart changed ones.

#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "cmd/fleet_command.h"
#include "supervisor/control/supervisor_client.h"
#include "supervisor/fleet_cli.h"
#include "supervisor/supervisor_process.h"

namespace ccproxy::cmd {
namespace {

namespace sv = ccproxy::supervisor;

void print_changes(const sv::ReloadReply& reply) {
  if (reply.added.empty() && reply.removed.empty() && reply.changed.empty()) {
    std::cout << "reload: no profile changed\n";
    return;
  }
  if (!reply.added.empty()) {
    std::cout << "reload: starting added " << sv::join_names(reply.added) << "\n";
  }
  if (!reply.removed.empty()) {
    std::cout << "reload: stopping removed " << sv::join_names(reply.removed) << "\n";
  }
  if (!reply.changed.empty()) {
    std::cout << "reload: restarting changed " << sv::join_names(reply.changed) << "\n";
  }
}

int run(const Invocation& inv) {
  ArgParser parser;
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kReloadCommand, *err);
  }
  if (!sv::supervisor_running(inv.home)) {
    std::cerr << "ccproxy reload: no supervisor runs for this home; `ccproxy start` starts the "
                 "fleet\n";
    return kExitFailure;
  }
  if (auto r = sv::wait_for_supervisor(inv.home, std::chrono::seconds(10)); !r) {
    std::cerr << "ccproxy reload: " << r.error() << "\n";
    return kExitFailure;
  }
  auto reply = sv::SupervisorClient(inv.home).reload(std::chrono::seconds(10));
  if (!reply) {
    for (const auto& p : reply.error().problems) {
      std::cerr << "ccproxy reload: " << p << "\n";
    }
    std::cerr << "ccproxy reload: " << reply.error().message << "\n";
    return kExitFailure;
  }
  print_changes(*reply);
  config::Fleet fleet = sv::load_home_fleet(inv.home);
  auto bound = rolling_bound(fleet.supervisor,
                             reply->added.size() + reply->changed.size() + reply->removed.size());
  sv::StatusReport report = sv::wait_and_print_status(
      inv.home, fleet, bound, [](const sv::StatusReply& status) { return status.settled; });
  std::vector<std::string> touched = reply->added;
  touched.insert(touched.end(), reply->changed.begin(), reply->changed.end());
  return touched.empty() || sv::rows_healthy(report, touched) ? kExitOk : kExitFailure;
}

}  // namespace

const Command kReloadCommand{
    "reload", "reload", "re-read profiles: start added, stop removed, restart changed",
    "Asks the running supervisor to re-read the profiles (same as SIGHUP to it): added\n"
    "profiles start, removed ones stop, and only workers whose effective settings changed\n"
    "restart, one at a time. Profiles with problems are refused and nothing changes.\n",
    run};

}  // namespace ccproxy::cmd
