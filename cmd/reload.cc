// ccproxy reload: re-read the profiles; start added ones, stop removed ones, restart changed ones.

#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "supervisor/fleet_cli.h"
#include "supervisor/control/supervisor_client.h"
#include "supervisor/supervisor_process.h"

namespace ccproxy::cmd {
namespace {

namespace sv = ccproxy::supervisor;

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
  auto reply = sv::ask_supervisor(inv.home, {{"op", "reload"}}, std::chrono::seconds(10));
  if (!reply) {
    std::cerr << "ccproxy reload: " << reply.error() << "\n";
    return kExitFailure;
  }
  if (!reply->value("ok", false)) {
    for (const auto& p : reply->value("problems", std::vector<std::string>{})) {
      std::cerr << "ccproxy reload: " << p << "\n";
    }
    std::cerr << "ccproxy reload: " << reply->value("error", std::string("refused")) << "\n";
    return kExitFailure;
  }
  auto added = reply->value("added", std::vector<std::string>{});
  auto removed = reply->value("removed", std::vector<std::string>{});
  auto changed = reply->value("changed", std::vector<std::string>{});
  if (added.empty() && removed.empty() && changed.empty()) {
    std::cout << "reload: no profile changed\n";
  } else {
    if (!added.empty()) {
      std::cout << "reload: starting added " << sv::join_names(added) << "\n";
    }
    if (!removed.empty()) {
      std::cout << "reload: stopping removed " << sv::join_names(removed) << "\n";
    }
    if (!changed.empty()) {
      std::cout << "reload: restarting changed " << sv::join_names(changed) << "\n";
    }
  }
  config::Fleet fleet = sv::load_home_fleet(inv.home);
  auto per_worker = fleet.supervisor.start_timeout + fleet.supervisor.stop_timeout;
  auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(
      per_worker * static_cast<int>(added.size() + changed.size() + removed.size()) +
      std::chrono::seconds(2));
  sv::wait_until(bound, [&] {
    auto r = sv::ask_supervisor(inv.home, {{"op", "status"}}, std::chrono::seconds(1));
    return !r || r->value("settled", true);
  });
  sv::StatusReport report = sv::current_status(inv.home, fleet);
  sv::print_status(std::cout, report);
  std::vector<std::string> touched = added;
  touched.insert(touched.end(), changed.begin(), changed.end());
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
