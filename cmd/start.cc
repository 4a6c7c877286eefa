// ccproxy start: start the resident supervisor if needed, start the workers, wait until they
// are ready, print the status table.

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <set>

#include "cmd/args.h"
#include "cmd/command.h"
#include "cmd/fleet_command.h"
#include "supervisor/control/supervisor_client.h"
#include "supervisor/fleet_cli.h"
#include "supervisor/os/listener_lookup.h"
#include "supervisor/os/pid_file.h"
#include "supervisor/os/port_conflict.h"
#include "supervisor/os/process_table.h"
#include "supervisor/supervisor_process.h"

namespace ccproxy::cmd {
namespace {

namespace sv = ccproxy::supervisor;

bool ask_yes(const std::string& question) {
  std::cout << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    return false;
  }
  return answer == "y" || answer == "Y" || answer == "yes";
}

// Explains every busy port before anything starts; returns the names whose foreign port holder
// may be replaced.
std::set<std::string> explain_conflicts(const config::Home& home, const config::Fleet& fleet,
                                        const std::vector<std::string>& selected, bool takeover) {
  std::set<std::string> out;
  sv::RealProcessTable procs;
  sv::ProcListenerLookup listeners;
  auto views = sv::supervisor_views(home);
  bool interactive = ::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1;
  for (const auto& name : selected) {
    const config::Profile* p = fleet.find(name);
    if (p == nullptr) {
      continue;
    }
    if (views) {
      auto it = views->find(name);
      if (it != views->end() && it->second.pid > 0) {
        continue;  // the supervisor already runs it
      }
    }
    auto rec = sv::read_pid_file(sv::pid_file_path(home.pids_dir(), name));
    if (rec && rec.value() && sv::check_identity(*rec.value(), procs) == sv::IdentityCheck::same) {
      continue;  // our own worker: the supervisor adopts it when healthy, replaces it otherwise
    }
    sv::PortHolder holder = listeners.who_listens(p->worker.port);
    if (!holder.listening) {
      continue;
    }
    std::string cmd;
    if (holder.pid) {
      if (auto id = procs.identity(*holder.pid)) {
        cmd = sv::display_cmdline(id->cmdline);
      }
    }
    auto verdict = sv::classify_port(p->worker.port, std::nullopt, holder, false, cmd);
    if (verdict.use != sv::PortUse::foreign) {
      std::cerr << "ccproxy start: " << name << ": " << verdict.message << "; left alone\n";
      continue;
    }
    if (takeover) {
      std::cerr << "ccproxy start: " << name << ": " << verdict.message
                << "; taking it over (--takeover)\n";
      out.insert(name);
    } else if (interactive && ask_yes("ccproxy start: " + name + ": " + verdict.message +
                                      ". Stop it and run " + name + " there?")) {
      out.insert(name);
    } else {
      std::cerr << "ccproxy start: " << name << ": " << verdict.message
                << "; left alone (use --takeover to replace it)\n";
    }
  }
  return out;
}

// The names asked for, each once, in order; a usage error (its exit code) for an unknown one.
std::optional<int> dedupe_known(const config::Fleet& fleet, std::vector<std::string>& names) {
  std::vector<std::string> known;
  for (const auto& p : fleet.profiles) {
    known.push_back(p.name);
  }
  std::vector<std::string> unique;
  for (const auto& n : names) {
    if (fleet.find(n) == nullptr) {
      return usage_error(kStartCommand,
                         "no profile named '" + n + "' (profiles: " + sv::join_names(known) + ")");
    }
    if (std::find(unique.begin(), unique.end(), n) == unique.end()) {
      unique.push_back(n);
    }
  }
  names = unique;
  return std::nullopt;
}

// --foreground: this process becomes the supervisor, unless one already runs.
int run_in_foreground(const config::Home& home, const std::vector<std::string>& names) {
  if (sv::supervisor_running(home)) {
    auto pid = sv::verified_supervisor_pid(home);
    std::cerr << "ccproxy start: a supervisor already runs for this home"
              << (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) << "\n";
    return kExitFailure;
  }
  return sv::run_supervisor({home, true, true, names});
}

// Asks the running supervisor to start `names`; false (said on stderr) when it did not.
bool request_start(const config::Home& home, const std::vector<std::string>& names,
                   const std::set<std::string>& takeover) {
  sv::StartRequest request{names, std::vector<std::string>(takeover.begin(), takeover.end())};
  auto reply = sv::SupervisorClient(home).start(request, std::chrono::seconds(10));
  if (!reply) {
    std::cerr << "ccproxy start: " << reply.error().message << "\n";
    return false;
  }
  for (const auto& n : reply->unknown) {
    std::cerr << "ccproxy start: the supervisor does not know profile " << n << "\n";
  }
  if (reply->started.empty() && !reply->already_running.empty()) {
    std::cout << "already running: " << sv::join_names(reply->already_running)
              << " (nothing to do)\n";
  }
  return true;
}

// Every worker in `names` is ready or has given up (fatal, conflict).
bool none_in_transition(const sv::StatusReply& status, const std::vector<std::string>& names) {
  auto views = status.workers_by_name();
  for (const auto& n : names) {
    auto it = views.find(n);
    if (it == views.end()) {
      continue;
    }
    auto s = it->second.state;
    if (s == sv::WorkerState::starting || s == sv::WorkerState::stopping ||
        s == sv::WorkerState::backoff) {
      return false;
    }
  }
  return true;
}

int run(const Invocation& inv) {
  bool foreground = false;
  bool takeover = false;
  std::vector<std::string> names;
  ArgParser parser;
  parser.flag("foreground", &foreground).flag("takeover", &takeover).positionals(&names, 0, 1000);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kStartCommand, *err);
  }
  config::Fleet fleet = sv::load_home_fleet(inv.home);
  if (refuse_broken_fleet(fleet, "start", "started")) {
    return kExitFailure;
  }
  if (fleet.profiles.empty()) {
    std::cerr << "ccproxy start: no profiles in " << inv.home.profiles_dir().string() << "\n";
    return kExitFailure;
  }
  if (auto usage = dedupe_known(fleet, names)) {
    return *usage;
  }
  if (foreground) {
    return run_in_foreground(inv.home, names);
  }
  std::vector<std::string> selected = names;
  if (selected.empty()) {
    for (const auto& p : fleet.profiles) {
      selected.push_back(p.name);
    }
  }
  std::set<std::string> takeover_names = explain_conflicts(inv.home, fleet, selected, takeover);

  // A fresh supervisor adopts workers left running; one still starting is waited for.
  if (auto r = sv::ensure_supervisor(inv.home, std::chrono::seconds(10)); !r) {
    std::cerr << "ccproxy start: " << r.error() << "\n";
    return kExitFailure;
  }
  if (!request_start(inv.home, names, takeover_names)) {
    return kExitFailure;
  }
  auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(
      fleet.supervisor.start_timeout + std::chrono::seconds(2));
  sv::StatusReport report = sv::wait_and_print_status(
      inv.home, fleet, bound,
      [&](const sv::StatusReply& status) { return none_in_transition(status, selected); });
  return sv::rows_healthy(report, selected) ? kExitOk : kExitFailure;
}

}  // namespace

const Command kStartCommand{
    "start", "start [NAME...] [--foreground] [--takeover]",
    "start the fleet (or the named workers) and print the status table",
    "Starts a resident supervisor for this home if none runs (in the background; its log is\n"
    "logs/ccproxy.log), which starts one worker per profile (or per NAME). Waits until each\n"
    "is ready (process alive, port bound by it, /health 200) or the start timeout passes,\n"
    "then prints the status table. Exit 0 only when every requested worker is ready.\n"
    "Workers already running are left alone. A port held by a foreign process is named\n"
    "(pid and command line) and left alone.\n\n"
    "options:\n"
    "  --foreground  run the supervisor in this process (for systemd); logs also to stderr\n"
    "  --takeover    stop a foreign process holding a profile's port (SIGTERM, then SIGKILL)\n"
    "                and start the worker there; on a terminal you are asked instead\n",
    run};

}  // namespace ccproxy::cmd
