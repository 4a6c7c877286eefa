// ccproxy stop: stop workers (all of them, and then the supervisor, when no NAME is given).
// Works with or without a supervisor: without one it acts on verified pid files only.

#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>

#include "cmd/args.h"
#include "cmd/command.h"
#include "supervisor/control/supervisor_client.h"
#include "supervisor/fleet_cli.h"
#include "supervisor/os/listener_lookup.h"
#include "supervisor/os/process_table.h"
#include "supervisor/status_report.h"
#include "supervisor/supervisor_process.h"

namespace ccproxy::cmd {
namespace {

namespace sv = ccproxy::supervisor;

using Views = std::map<std::string, sv::WorkerView>;

struct StopOutcome {
  std::vector<std::string> stopped;  // "glm (pid 123)"
  std::vector<std::string> failed;
};

// The supervisor process as it was when stop began. It releases its lock before its process has
// fully exited (exit handlers, and LeakSanitizer in sanitizer builds, still run), so "gone" is
// true only once that very process is; a reused pid never counts as it.
class SupervisorExit {
 public:
  SupervisorExit(const config::Home& home, sv::ProcessTable& procs)
      : home_(home), procs_(procs), pid_(sv::verified_supervisor_pid(home)) {
    if (pid_) {
      identity_ = procs_.identity(*pid_);
    }
  }
  bool gone() const {
    if (sv::supervisor_running(home_)) {
      return false;
    }
    return !pid_ || !procs_.alive(*pid_) || procs_.identity(*pid_) != identity_;
  }

 private:
  const config::Home& home_;
  sv::ProcessTable& procs_;
  std::optional<int> pid_;
  std::optional<sv::ProcessIdentity> identity_;
};

bool selected(const std::vector<std::string>& names, const std::string& name) {
  return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
}

// Each NAME must be something to stop: a profile, a pid file, or a worker the supervisor runs.
std::optional<std::string> unknown_name(const config::Fleet& fleet,
                                        const std::vector<std::string>& pid_files,
                                        const std::optional<Views>& views,
                                        const std::vector<std::string>& names) {
  for (const auto& n : names) {
    bool known = fleet.find(n) != nullptr ||
                 std::find(pid_files.begin(), pid_files.end(), n) != pid_files.end() ||
                 (views && views->count(n) != 0);
    if (!known) {
      return n;
    }
  }
  return std::nullopt;
}

// A supervisor that does not answer a stop of everything: SIGTERM it (it stops its workers),
// SIGKILL when it is still the same process after `bound`.
void terminate_supervisor(const config::Home& home, const SupervisorExit& exit,
                          std::chrono::milliseconds bound) {
  auto pid = sv::verified_supervisor_pid(home);
  if (!pid) {
    return;
  }
  ::kill(*pid, SIGTERM);
  if (!sv::wait_until(bound, [&] { return exit.gone(); })) {
    if (auto again = sv::verified_supervisor_pid(home); again == pid) {
      ::kill(*pid, SIGKILL);
    }
  }
}

// Asks the supervisor to stop `names` (every worker, then itself, when empty) and waits for it.
void stop_through_supervisor(const config::Home& home, const std::vector<std::string>& names,
                             std::chrono::milliseconds bound, const SupervisorExit& exit,
                             StopOutcome& out) {
  auto reply = sv::SupervisorClient(home).stop(names);
  if (reply && names.empty()) {
    if (!sv::wait_until(bound, [&] { return exit.gone(); })) {
      out.failed.push_back("the supervisor did not exit within " +
                           std::to_string(bound.count() / 1000) + "s");
    }
  } else if (reply) {
    sv::wait_for_fleet(home, bound, [&](const sv::StatusReply& status) {
      for (const auto& v : status.workers) {
        if (selected(names, v.name) && (v.pid > 0 || v.state == sv::WorkerState::stopping)) {
          return false;
        }
      }
      return true;
    });
  } else if (names.empty()) {
    std::cerr << "ccproxy stop: the supervisor does not answer (" << reply.error().message << ")\n";
    terminate_supervisor(home, exit, bound);
  } else {
    std::cerr << "ccproxy stop: the supervisor does not answer; stopping directly\n";
  }
}

// Each selected worker the supervisor ran before: stopped, or still running now.
void compare_views(const config::Home& home, const std::vector<std::string>& names,
                   const Views& before, StopOutcome& out) {
  auto after = sv::supervisor_views(home);
  for (const auto& [name, v] : before) {
    if (!selected(names, name) || v.pid <= 0) {
      continue;
    }
    bool still = after && after->count(name) != 0 && after->at(name).pid > 0;
    std::string label = name + " (pid " + std::to_string(v.pid) + ")";
    if (still) {
      out.failed.push_back(label + " is still running");
    } else {
      out.stopped.push_back(label);
    }
  }
}

// Whatever is left in pid files, or listens on a profile's port as this home's worker with
// its pid file gone (no supervisor, or workers it did not know about).
void stop_leftovers(const config::Home& home, const config::Fleet& fleet,
                    const std::vector<std::string>& names, sv::ProcessTable& procs,
                    StopOutcome& out) {
  sv::ProcListenerLookup listeners;
  std::map<std::string, std::uint16_t> ports;
  for (const auto& p : fleet.profiles) {
    ports[p.name] = p.worker.port;
  }
  auto direct =
      sv::stop_from_pid_files(home, names, fleet.supervisor.stop_timeout, procs, listeners, ports);
  out.stopped.insert(out.stopped.end(), direct.stopped.begin(), direct.stopped.end());
  out.failed.insert(out.failed.end(), direct.failed.begin(), direct.failed.end());
  for (const auto& n : direct.notes) {
    std::cerr << "ccproxy stop: " << n << "\n";
  }
}

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
  if (auto n = unknown_name(fleet, sv::pid_file_names(inv.home), views, names)) {
    return usage_error(kStopCommand, "no profile named '" + *n + "'");
  }

  StopOutcome out;
  const bool supervisor_was_running = sv::supervisor_running(inv.home);
  sv::RealProcessTable procs;
  const SupervisorExit supervisor(inv.home, procs);
  if (supervisor_was_running) {
    auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(stop_timeout) +
                 std::chrono::seconds(5);
    stop_through_supervisor(inv.home, names, bound, supervisor, out);
    if (views) {
      compare_views(inv.home, names, *views, out);
    }
  }
  stop_leftovers(inv.home, fleet, names, procs, out);

  for (const auto& s : out.stopped) {
    std::cout << "stopped " << s << "\n";
  }
  if (names.empty() && supervisor_was_running && supervisor.gone()) {
    std::cout << "stopped the supervisor\n";
  }
  if (out.stopped.empty() && out.failed.empty() && !supervisor_was_running) {
    std::cout << "nothing was running\n";
  }
  for (const auto& f : out.failed) {
    std::cerr << "ccproxy stop: " << f << "\n";
  }
  return out.failed.empty() ? kExitOk : kExitFailure;
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
