#include "supervisor/fleet_cli.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "supervisor/control/supervisor_client.h"
#include "supervisor/os/listener_lookup.h"
#include "supervisor/os/process_table.h"
#include "supervisor/status_report.h"

namespace ccproxy::supervisor {

namespace {

// The running supervisor's status; nullopt when none holds the lock or it does not answer.
std::optional<StatusReply> running_supervisor_status(const config::Home& home,
                                                     std::chrono::milliseconds timeout) {
  if (!supervisor_running(home)) {
    return std::nullopt;
  }
  auto r = SupervisorClient(home).status(timeout);
  if (!r) {
    return std::nullopt;
  }
  return std::move(r).value();
}

}  // namespace

std::optional<std::map<std::string, WorkerView>> supervisor_views(
    const config::Home& home, std::chrono::milliseconds timeout) {
  auto status = running_supervisor_status(home, timeout);
  if (!status) {
    return std::nullopt;
  }
  return status->workers_by_name();
}

bool wait_until(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool wait_for_fleet(const config::Home& home, std::chrono::milliseconds bound,
                    const std::function<bool(const StatusReply&)>& done) {
  return wait_until(bound, [&] {
    auto status = running_supervisor_status(home, std::chrono::seconds(2));
    return !status || done(*status);
  });
}

StatusReport wait_and_print_status(const config::Home& home, const config::Fleet& fleet,
                                   std::chrono::milliseconds bound,
                                   const std::function<bool(const StatusReply&)>& done) {
  wait_for_fleet(home, bound, done);
  StatusReport report = current_status(home, fleet);
  print_status(std::cout, report);
  return report;
}

StatusReport current_status(const config::Home& home, const config::Fleet& fleet,
                            std::chrono::milliseconds probe_timeout) {
  HttpHealthProber prober;
  StatusOptions o;
  o.probe_timeout = probe_timeout;
  return current_status(home, fleet, prober, o);
}

StatusReport current_status(const config::Home& home, const config::Fleet& fleet,
                            HealthProber& prober, const StatusOptions& options) {
  RealProcessTable procs;
  ProcListenerLookup listeners;
  StatusSources src{procs, listeners, prober, [&home] {
                      return running_supervisor_status(home, std::chrono::milliseconds(800));
                    }};
  return gather_status(home, fleet, src, options);
}

void print_status(std::ostream& out, const StatusReport& report) {
  out << render_table(report, &out == &std::cout && want_colour(STDOUT_FILENO));
}

bool rows_healthy(const StatusReport& report, const std::vector<std::string>& names) {
  for (const auto& r : report.rows) {
    bool selected = names.empty() || std::find(names.begin(), names.end(), r.name) != names.end();
    if (selected && !r.healthy()) {
      return false;
    }
  }
  if (!names.empty()) {
    for (const auto& n : names) {
      bool found = std::any_of(report.rows.begin(), report.rows.end(),
                               [&](const StatusRow& r) { return r.name == n; });
      if (!found) {
        return false;
      }
    }
  }
  return !report.rows.empty();
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += n;
  }
  return out;
}

}  // namespace ccproxy::supervisor
