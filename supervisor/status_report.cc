#include "supervisor/status_report.h"

#include <signal.h>

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include "supervisor/os/fleet_paths.h"
#include "supervisor/os/own_command.h"
#include "supervisor/os/pid_file.h"
#include "supervisor/os/port_conflict.h"

namespace ccproxy::supervisor {

namespace fs = std::filesystem;

std::vector<std::string> pid_file_names(const config::Home& home) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(home.pids_dir(), ec)) {
    if (e.path().extension() == ".json" && e.path().stem() != kSupervisorRecord) {
      out.push_back(e.path().stem().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// Our own process for `name` per its pid file, or nullopt (stale files noted and cleaned).
std::optional<PidRecord> own_record(const config::Home& home, const std::string& name,
                                    ProcessTable& procs, bool clean,
                                    std::vector<std::string>* notes) {
  auto path = pid_file_path(home.pids_dir(), name);
  auto rec = read_pid_file(path);
  if (!rec) {
    notes->push_back(rec.error());
    return std::nullopt;
  }
  if (!rec.value()) {
    return std::nullopt;
  }
  auto check = check_identity(*rec.value(), procs);
  if (check == IdentityCheck::same) {
    return *rec.value();
  }
  std::string note =
      "stale pid file pids/" + name + ".json: " + describe_identity(check, *rec.value(), procs);
  if (clean) {
    std::error_code ec;
    fs::remove(path, ec);
    note += "; removed (nothing signalled)";
  }
  notes->push_back(note);
  return std::nullopt;
}

// The supervisor's answer and the /health of every profile, probed while we ask: a hung
// worker costs the probe timeout once.
std::pair<std::optional<StatusReply>, std::vector<HealthResult>> ask_and_probe(
    const config::Fleet& fleet, StatusSources& src, const StatusOptions& options) {
  std::vector<ProbeTarget> targets;
  for (const auto& p : fleet.profiles) {
    targets.push_back({p.worker.host, p.worker.port, "/health", true});  // its upstreams
  }
  auto probing = std::async(std::launch::async,
                            [&] { return src.prober.probe(targets, options.probe_timeout); });
  std::optional<StatusReply> reply;
  if (src.ask_supervisor) {
    reply = src.ask_supervisor();
  }
  return {std::move(reply), probing.get()};
}

// A row the supervisor does not run: our worker per its pid file, our worker without one (its
// command line says so), or a port held by someone else.
void row_from_os(const config::Home& home, StatusRow& row, StatusSources& src,
                 const StatusOptions& options, std::vector<std::string>* notes) {
  auto own = own_record(home, row.name, src.procs, options.clean_stale, notes);
  if (own) {
    row.pid = own->pid;
    row.state = WorkerState::unmanaged;
    return;
  }
  PortHolder holder = src.listeners.who_listens(row.port);
  if (!holder.listening) {
    return;
  }
  std::string cmd;
  if (holder.pid) {
    if (auto id = src.procs.identity(*holder.pid)) {
      cmd = display_cmdline(id->cmdline);
      if (runs_command(*id, worker_command(self_executable(), home.root, row.name))) {
        row.pid = *holder.pid;
        row.state = WorkerState::unmanaged;
        row.message = "our worker, but its pid file is missing; `ccproxy start` adopts it";
        return;
      }
    }
  }
  row.state = WorkerState::conflict;
  row.message = classify_port(row.port, std::nullopt, holder, false, cmd).message;
}

void copy_view(const WorkerView& v, StatusRow& row) {
  row.pid = v.pid;
  row.state = v.state;
  row.restarts = v.restarts;
  row.last_exit = v.last_exit;
  row.message = v.message;
}

// One row per profile: the supervisor's view of it, else what the OS says.
void add_profile_rows(const config::Home& home, const config::Fleet& fleet,
                      const std::vector<HealthResult>& health,
                      const std::map<std::string, WorkerView>& views, StatusSources& src,
                      const StatusOptions& options, StatusReport& report) {
  for (std::size_t i = 0; i < fleet.profiles.size(); ++i) {
    const auto& p = fleet.profiles[i];
    StatusRow row;
    row.name = p.name;
    row.port = p.worker.port;
    if (!p.worker.upstreams.empty()) {
      const auto& first = p.worker.upstreams.front();
      row.big_model = first.models.big;
      row.middle_model = first.models.middle;
      row.small_model = first.models.small;
      row.upstream = first.base_url;
    }
    row.health = i < health.size() ? health[i] : HealthResult{};
    auto it = views.find(p.name);
    if (it != views.end()) {
      copy_view(it->second, row);
    }
    if (it == views.end() || row.state == WorkerState::stopped) {
      row_from_os(home, row, src, options, &report.notes);
    }
    if (row.state == WorkerState::stopped && row.health.kind == HealthKind::refused) {
      row.health = HealthResult{};
    }
    if (row.pid > 0) {
      row.uptime = process_uptime(row.pid);
    }
    row.upstreams = upstreams_from_health(row.health.body);
    report.rows.push_back(std::move(row));
  }
}

// Workers the supervisor still runs for profiles that are gone (e.g. removed, not reloaded).
void add_supervised_orphans(const std::map<std::string, WorkerView>& views,
                            std::set<std::string>& seen, StatusReport& report) {
  for (const auto& [name, v] : views) {
    if (!seen.insert(name).second) {
      continue;
    }
    StatusRow row;
    row.name = name;
    row.port = v.port;
    copy_view(v, row);
    if (row.message.empty()) {
      row.message = "no profile file any more";
    }
    if (row.pid > 0) {
      row.uptime = process_uptime(row.pid);
    }
    report.rows.push_back(std::move(row));
  }
}

// Our processes recorded in pid files whose profile no longer exists.
void add_pid_file_orphans(const config::Home& home, const std::set<std::string>& seen,
                          StatusSources& src, const StatusOptions& options, StatusReport& report) {
  for (const auto& name : pid_file_names(home)) {
    if (seen.count(name)) {
      continue;
    }
    auto own = own_record(home, name, src.procs, options.clean_stale, &report.notes);
    if (!own) {
      continue;
    }
    StatusRow row;
    row.name = name;
    row.port = own->port;
    row.pid = own->pid;
    row.state = WorkerState::unmanaged;
    row.message = "no profile file any more; `ccproxy stop " + name + "` stops it";
    row.uptime = process_uptime(row.pid);
    auto h = src.prober.probe({{"127.0.0.1", row.port}}, options.probe_timeout);
    row.health = h.empty() ? HealthResult{} : h[0];
    row.upstreams = upstreams_from_health(row.health.body);
    report.rows.push_back(std::move(row));
  }
}

}  // namespace

StatusReport gather_status(const config::Home& home, const config::Fleet& fleet, StatusSources src,
                           const StatusOptions& options) {
  StatusReport report;
  auto [reply, health] = ask_and_probe(fleet, src, options);
  std::map<std::string, WorkerView> views;
  if (reply) {
    report.supervisor_running = true;
    report.supervisor_pid = reply->pid;
    views = reply->workers_by_name();
  }
  add_profile_rows(home, fleet, health, views, src, options, report);
  std::set<std::string> seen;
  for (const auto& p : fleet.profiles) {
    seen.insert(p.name);
  }
  add_supervised_orphans(views, seen, report);
  add_pid_file_orphans(home, seen, src, options, report);
  std::stable_sort(report.rows.begin(), report.rows.end(),
                   [](const StatusRow& a, const StatusRow& b) { return a.port < b.port; });
  return report;
}

namespace {

// A worker to stop: its record (from its pid file, or made from what listens on its port).
struct Victim {
  std::string name;
  PidRecord rec;
  bool gone = false;
};

// This home's worker for `name` found by its port, its pid file being gone: the process that
// really listens there, when its command line proves it is ours (runs_as_ours). The record is
// made in memory, so later checks hold it to this identity.
std::optional<PidRecord> worker_on_port(const config::Home& home, const std::string& name,
                                        std::uint16_t port, ProcessTable& procs,
                                        ListenerLookup& listeners) {
  auto holder = listeners.who_listens(port);
  if (!holder.pid) {
    return std::nullopt;
  }
  auto live = procs.identity(*holder.pid);
  if (!live || !runs_as_ours(*live, name, home.root)) {
    return std::nullopt;
  }
  PidRecord rec;
  rec.pid = *holder.pid;
  rec.profile = name;
  rec.port = port;
  rec.identity = *live;
  return rec;
}

// The workers of `names` (every pid file and every profile of `ports` when empty) that are
// verified ours, each sent SIGTERM (and SIGCONT) to its process group.
std::vector<Victim> signal_victims(const config::Home& home, const std::vector<std::string>& names,
                                   const std::map<std::string, std::uint16_t>& ports,
                                   ProcessTable& procs, ListenerLookup& listeners,
                                   std::vector<std::string>* notes) {
  std::vector<std::string> targets = names.empty() ? pid_file_names(home) : names;
  if (names.empty()) {
    for (const auto& [n, port] : ports) {
      if (std::find(targets.begin(), targets.end(), n) == targets.end()) {
        targets.push_back(n);
      }
    }
  }
  std::vector<Victim> victims;
  for (const auto& name : targets) {
    auto rec = own_record(home, name, procs, true, notes);
    if (!rec && ports.count(name) != 0) {
      rec = worker_on_port(home, name, ports.at(name), procs, listeners);
    }
    if (!rec) {
      continue;
    }
    procs.signal_group(rec->pid, SIGTERM);
    procs.signal_group(rec->pid, SIGCONT);
    victims.push_back({name, *rec});
  }
  return victims;
}

// Waits until every victim is gone or `deadline` passes.
void wait_gone(std::vector<Victim>& victims, ProcessTable& procs,
               std::chrono::steady_clock::time_point deadline) {
  while (true) {
    bool any = false;
    for (auto& v : victims) {
      if (!v.gone && check_identity(v.rec, procs) != IdentityCheck::same) {
        v.gone = true;
      }
      any = any || !v.gone;
    }
    if (!any || std::chrono::steady_clock::now() >= deadline) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

DirectStopResult stop_from_pid_files(const config::Home& home,
                                     const std::vector<std::string>& names,
                                     std::chrono::milliseconds stop_timeout, ProcessTable& procs,
                                     ListenerLookup& listeners,
                                     const std::map<std::string, std::uint16_t>& ports) {
  DirectStopResult out;
  std::vector<Victim> victims = signal_victims(home, names, ports, procs, listeners, &out.notes);
  wait_gone(victims, procs, std::chrono::steady_clock::now() + stop_timeout);
  for (auto& v : victims) {
    if (!v.gone && check_identity(v.rec, procs) == IdentityCheck::same) {
      procs.signal_group(v.rec.pid, SIGKILL);
    }
  }
  wait_gone(victims, procs, std::chrono::steady_clock::now() + std::chrono::seconds(2));
  auto port_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (auto& v : victims) {
    std::string label = v.name + " (pid " + std::to_string(v.rec.pid) + ")";
    if (!v.gone) {
      out.failed.push_back(label + " is still running after SIGKILL");
      continue;
    }
    while (v.rec.port != 0 && listeners.who_listens(v.rec.port).listening &&
           std::chrono::steady_clock::now() < port_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::error_code ec;
    fs::remove(pid_file_path(home.pids_dir(), v.name), ec);
    if (v.rec.port != 0 && listeners.who_listens(v.rec.port).listening) {
      out.failed.push_back(label + " exited but port " + std::to_string(v.rec.port) +
                           " is still held");
      continue;
    }
    out.stopped.push_back(label);
  }
  return out;
}

}  // namespace ccproxy::supervisor
