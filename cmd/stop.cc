// ccproxy stop: stop workers (all of them, and then the supervisor, when no NAME is given).
// Works with or without a supervisor: without one it acts on verified pid files only.

#include <signal.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "cmd/args.h"
#include "cmd/command.h"
#include "supervisor/fleet_cli.h"
#include "supervisor/os/listener_lookup.h"
#include "supervisor/os/process_table.h"
#include "supervisor/status_report.h"
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
    return usage_error(kStopCommand, *err);
  }
  // Stopping must work even when the profiles are broken: problems are not fatal here.
  config::Fleet fleet = sv::load_home_fleet(inv.home);
  const auto stop_timeout = fleet.supervisor.stop_timeout;
  auto views = sv::supervisor_views(inv.home);
  auto pid_files = sv::pid_file_names(inv.home);
  for (const auto& n : names) {
    bool known = fleet.find(n) != nullptr ||
                 std::find(pid_files.begin(), pid_files.end(), n) != pid_files.end() ||
                 (views && views->count(n) != 0);
    if (!known) {
      return usage_error(kStopCommand, "no profile named '" + n + "'");
    }
  }

  std::vector<std::string> stopped;
  std::vector<std::string> failed;
  bool supervisor_was_running = sv::supervisor_running(inv.home);
  // The supervisor releases its lock before its process has fully exited (exit handlers, and
  // LeakSanitizer in sanitizer builds, still run). Remember exactly which process it is, so
  // "stopped" is reported only once that process is gone; a reused pid never counts as it.
  sv::RealProcessTable procs;
  std::optional<int> supervisor_pid = sv::verified_supervisor_pid(inv.home);
  std::optional<sv::ProcessIdentity> supervisor_identity;
  if (supervisor_pid) {
    supervisor_identity = procs.identity(*supervisor_pid);
  }
  auto supervisor_gone = [&] {
    if (sv::supervisor_running(inv.home)) {
      return false;
    }
    return !supervisor_pid || !procs.alive(*supervisor_pid) ||
           procs.identity(*supervisor_pid) != supervisor_identity;
  };
  if (supervisor_was_running) {
    auto reply = sv::ask_supervisor(inv.home, {{"op", "stop"}, {"names", names}});
    auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(stop_timeout) +
                 std::chrono::seconds(5);
    if (reply && reply->value("ok", false)) {
      if (names.empty()) {
        if (!sv::wait_until(bound, supervisor_gone)) {
          failed.push_back("the supervisor did not exit within " +
                           std::to_string(bound.count() / 1000) + "s");
        }
      } else {
        sv::wait_until(bound, [&] {
          auto now = sv::supervisor_views(inv.home);
          if (!now) {
            return true;
          }
          for (const auto& n : names) {
            auto it = now->find(n);
            if (it != now->end() &&
                (it->second.pid > 0 || it->second.state == sv::WorkerState::stopping)) {
              return false;
            }
          }
          return true;
        });
      }
    } else if (names.empty()) {
      // A supervisor that does not answer: SIGTERM it (it stops its workers), verified first.
      std::cerr << "ccproxy stop: the supervisor does not answer ("
                << (reply ? reply->value("error", "") : reply.error()) << ")\n";
      if (auto pid = sv::verified_supervisor_pid(inv.home)) {
        ::kill(*pid, SIGTERM);
        if (!sv::wait_until(bound, supervisor_gone)) {
          if (auto again = sv::verified_supervisor_pid(inv.home); again == pid) {
            ::kill(*pid, SIGKILL);
          }
        }
      }
    } else {
      std::cerr << "ccproxy stop: the supervisor does not answer; stopping directly\n";
    }
    if (views) {
      auto after = sv::supervisor_views(inv.home);
      for (const auto& [name, v] : *views) {
        bool selected = names.empty() || std::find(names.begin(), names.end(), name) != names.end();
        if (!selected || v.pid <= 0) {
          continue;
        }
        bool still = after && after->count(name) && (*after)[name].pid > 0;
        std::string label = name + " (pid " + std::to_string(v.pid) + ")";
        if (still) {
          failed.push_back(label + " is still running");
        } else {
          stopped.push_back(label);
        }
      }
    }
  }

  // Whatever is left in pid files (no supervisor, or workers it did not know about).
  sv::ProcListenerLookup listeners;
  auto direct = sv::stop_from_pid_files(inv.home, names, stop_timeout, procs, listeners);
  stopped.insert(stopped.end(), direct.stopped.begin(), direct.stopped.end());
  failed.insert(failed.end(), direct.failed.begin(), direct.failed.end());
  for (const auto& n : direct.notes) {
    std::cerr << "ccproxy stop: " << n << "\n";
  }
  for (const auto& s : stopped) {
    std::cout << "stopped " << s << "\n";
  }
  if (names.empty() && supervisor_was_running && supervisor_gone()) {
    std::cout << "stopped the supervisor\n";
  }
  if (stopped.empty() && failed.empty() && !supervisor_was_running) {
    std::cout << "nothing was running\n";
  }
  for (const auto& f : failed) {
    std::cerr << "ccproxy stop: " << f << "\n";
  }
  return failed.empty() ? kExitOk : kExitFailure;
}

}  // namespace

const Command kStopCommand{
    "stop", "stop [NAME...]", "stop the fleet (or the named workers)",
    "SIGTERM to each worker's process group, up to stop_timeout_s (default 10) to drain, then\n"
    "SIGKILL. A worker is reported stopped only once its process is gone and its port free.\n"
    "Without NAME every worker stops and then the supervisor exits. Works without a supervisor\n"
    "too (acting on pid files whose process identity still matches; stale ones are cleaned).\n",
    run};

}  // namespace ccproxy::cmd
