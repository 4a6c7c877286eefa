#include "supervisor/status_report.h"

#include <signal.h>

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "supervisor/fleet_paths.h"
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

}  // namespace

StatusReport gather_status(const config::Home& home, const config::Fleet& fleet, StatusSources src,
                           const StatusOptions& options) {
  StatusReport report;
  std::vector<ProbeTarget> targets;
  for (const auto& p : fleet.profiles) {
    targets.push_back({p.worker.host, p.worker.port});
  }
  // Probe while we ask the supervisor: a hung worker costs the probe timeout once.
  auto probing = std::async(std::launch::async,
                            [&] { return src.prober.probe(targets, options.probe_timeout); });
  std::optional<nlohmann::json> reply;
  if (src.ask_supervisor) {
    reply = src.ask_supervisor();
  }
  std::vector<HealthResult> health = probing.get();

  std::map<std::string, WorkerView> views;
  if (reply && reply->value("ok", false)) {
    report.supervisor_running = true;
    report.supervisor_pid = reply->value("pid", 0);
    for (const auto& w : reply->value("workers", nlohmann::json::array())) {
      auto v = worker_view_from_json(w);
      views[v.name] = v;
    }
  }

  std::set<std::string> seen;
  auto derive = [&](StatusRow& row) {
    auto own = own_record(home, row.name, src.procs, options.clean_stale, &report.notes);
    if (own) {
      row.pid = own->pid;
      row.state = WorkerState::unmanaged;
      return;
    }
    PortHolder holder = src.listeners.who_listens(row.port);
    if (holder.listening) {
      std::string cmd;
      if (holder.pid) {
        if (auto id = src.procs.identity(*holder.pid)) {
          cmd = display_cmdline(id->cmdline);
          const std::vector<std::string> ours = {self_executable().string(),
                                                 "--home",
                                                 home.root.string(),
                                                 "run",
                                                 "--profile",
                                                 row.name};
          if (id->cmdline == ours) {
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
  };

  for (std::size_t i = 0; i < fleet.profiles.size(); ++i) {
    const auto& p = fleet.profiles[i];
    StatusRow row;
    row.name = p.name;
    row.port = p.worker.port;
    row.big_model = p.worker.models.big;
    row.middle_model = p.worker.models.middle;
    row.small_model = p.worker.models.small;
    row.upstream = p.worker.upstream.base_url;
    row.health = i < health.size() ? health[i] : HealthResult{};
    seen.insert(p.name);
    auto it = views.find(p.name);
    if (it != views.end()) {
      const WorkerView& v = it->second;
      row.pid = v.pid;
      row.state = v.state;
      row.restarts = v.restarts;
      row.last_exit = v.last_exit;
      row.message = v.message;
    }
    if (it == views.end() || row.state == WorkerState::stopped) {
      derive(row);
    }
    if (row.state == WorkerState::stopped && row.health.kind == HealthKind::refused) {
      row.health = HealthResult{};
    }
    if (row.pid > 0) {
      row.uptime = process_uptime(row.pid);
    }
    report.rows.push_back(std::move(row));
  }
  // Workers the supervisor still runs for profiles that are gone (e.g. removed, not reloaded).
  for (const auto& [name, v] : views) {
    if (seen.count(name)) {
      continue;
    }
    seen.insert(name);
    StatusRow row;
    row.name = name;
    row.port = v.port;
    row.pid = v.pid;
    row.state = v.state;
    row.restarts = v.restarts;
    row.last_exit = v.last_exit;
    row.message = v.message.empty() ? "no profile file any more" : v.message;
    if (row.pid > 0) {
      row.uptime = process_uptime(row.pid);
    }
    report.rows.push_back(std::move(row));
  }
  // Our processes recorded in pid files whose profile no longer exists.
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
    report.rows.push_back(std::move(row));
  }
  std::stable_sort(report.rows.begin(), report.rows.end(),
                   [](const StatusRow& a, const StatusRow& b) { return a.port < b.port; });
  return report;
}

DirectStopResult stop_from_pid_files(const config::Home& home,
                                     const std::vector<std::string>& names,
                                     std::chrono::milliseconds stop_timeout, ProcessTable& procs,
                                     ListenerLookup& listeners) {
  DirectStopResult out;
  std::vector<std::string> targets = names.empty() ? pid_file_names(home) : names;
  struct Victim {
    std::string name;
    PidRecord rec;
    bool gone = false;
  };
  std::vector<Victim> victims;
  for (const auto& name : targets) {
    auto rec = own_record(home, name, procs, true, &out.notes);
    if (!rec) {
      continue;
    }
    procs.signal_group(rec->pid, SIGTERM);
    procs.signal_group(rec->pid, SIGCONT);
    victims.push_back({name, *rec});
  }
  auto still_ours = [&](const Victim& v) {
    return check_identity(v.rec, procs) == IdentityCheck::same;
  };
  auto wait_all = [&](std::chrono::steady_clock::time_point deadline) {
    while (true) {
      bool any = false;
      for (auto& v : victims) {
        if (!v.gone && !still_ours(v)) {
          v.gone = true;
        }
        any = any || !v.gone;
      }
      if (!any || std::chrono::steady_clock::now() >= deadline) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  wait_all(std::chrono::steady_clock::now() + stop_timeout);
  for (auto& v : victims) {
    if (!v.gone && still_ours(v)) {
      procs.signal_group(v.rec.pid, SIGKILL);
    }
  }
  wait_all(std::chrono::steady_clock::now() + std::chrono::seconds(2));
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
