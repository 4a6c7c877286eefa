#include "supervisor/fleet_supervisor.h"

#include <signal.h>

#include <algorithm>

#include "supervisor/os/pid_file.h"
#include "supervisor/os/port_conflict.h"

namespace ccproxy::supervisor {

namespace {

std::string seconds_text(Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + "s";
  }
  return std::to_string(ms) + "ms";
}

}  // namespace

FleetSupervisor::FleetSupervisor(FleetDeps deps, FleetOptions options)
    : deps_(deps), options_(std::move(options)) {}

void FleetSupervisor::log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  }
}

std::string FleetSupervisor::label(const Slot& slot) const {
  std::string s = slot.spec.name + " (port " + std::to_string(slot.spec.port);
  if (slot.pid > 0) {
    s += ", pid " + std::to_string(slot.pid);
  }
  return s + ")";
}

void FleetSupervisor::set_state(Slot& slot, WorkerState state) {
  slot.state = state;
  slot.since = deps_.clock.now();
}

void FleetSupervisor::set_settings(const config::SupervisorSettings& settings) {
  options_.settings = settings;
  for (auto& [name, slot] : slots_) {
    slot.policy.set_settings(settings);
  }
}

void FleetSupervisor::add_profiles(const std::vector<WorkerSpec>& specs) {
  for (const auto& spec : specs) {
    if (slots_.count(spec.name) == 0) {
      auto [ins, ok] = slots_.emplace(spec.name, Slot(options_.settings));
      ins->second.spec = spec;
      ins->second.since = deps_.clock.now();
      log("new profile " + spec.name + " (port " + std::to_string(spec.port) + ")");
    }
  }
}

FleetSupervisor::ProfileDiff FleetSupervisor::set_profiles(const std::vector<WorkerSpec>& specs,
                                                           bool apply) {
  ProfileDiff diff;
  std::set<std::string> seen;
  for (const auto& spec : specs) {
    seen.insert(spec.name);
    auto it = slots_.find(spec.name);
    if (it == slots_.end()) {
      auto [ins, ok] = slots_.emplace(spec.name, Slot(options_.settings));
      ins->second.spec = spec;
      ins->second.since = deps_.clock.now();
      diff.added.push_back(spec.name);
      continue;
    }
    Slot& slot = it->second;
    slot.removing = false;
    if (slot.spec.fingerprint != spec.fingerprint || slot.spec.port != spec.port ||
        slot.spec.host != spec.host) {
      slot.spec = spec;
      diff.changed.push_back(spec.name);
    }
  }
  for (auto& [name, slot] : slots_) {
    if (!seen.count(name)) {
      diff.removed.push_back(name);
    }
  }
  if (!apply) {
    return diff;
  }
  for (const auto& name : diff.removed) {
    Slot& slot = slots_.at(name);
    slot.removing = true;
    restart_queue_.erase(std::remove(restart_queue_.begin(), restart_queue_.end(), name),
                         restart_queue_.end());
    log("reload: profile " + name + " was removed; stopping it");
    if (slot.pid > 0) {
      begin_stop(slot, After::remove);
    } else {
      slots_.erase(name);
    }
  }
  if (!diff.added.empty()) {
    log("reload: starting added profiles");
    start(diff.added, {});
  }
  std::vector<std::string> to_restart;
  for (const auto& name : diff.changed) {
    const Slot& slot = slots_.at(name);
    if (slot.state == WorkerState::running || slot.state == WorkerState::starting ||
        slot.state == WorkerState::backoff || slot.state == WorkerState::stopping) {
      to_restart.push_back(name);
    }
  }
  if (!to_restart.empty()) {
    restart(to_restart);
  }
  write_pending_pid_files();
  return diff;
}

void FleetSupervisor::remove_pid_file(const Slot& slot) {
  auto path = pid_file_path(options_.pids_dir, slot.spec.name);
  auto rec = read_pid_file(path);
  // Only our record of this very process: never a file another supervisor just rewrote.
  if (rec && rec.value() && rec.value()->pid != slot.pid && slot.pid != 0) {
    return;
  }
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

void FleetSupervisor::write_pending_pid_files() {
  for (auto& [name, slot] : slots_) {
    if (!slot.pid_file_pending) {
      continue;
    }
    slot.pid_file_pending = false;
    if (slot.pid <= 0 || !slot.identity) {
      continue;
    }
    PidRecord r;
    r.pid = slot.pid;
    r.profile = slot.spec.name;
    r.port = slot.spec.port;
    r.identity = *slot.identity;
    auto w = write_pid_file(pid_file_path(options_.pids_dir, slot.spec.name), r);
    if (!w) {
      log(slot.spec.name + ": " + w.error());
    }
  }
}

bool FleetSupervisor::same_process(const Slot& slot) {
  if (slot.pid <= 0 || !slot.identity) {
    return false;
  }
  auto now = deps_.procs.identity(slot.pid);
  return now && now->start_time == slot.identity->start_time &&
         now->cmdline == slot.identity->cmdline;
}

bool FleetSupervisor::process_gone(Slot& slot, std::optional<ExitStatus>* status) {
  if (slot.pid <= 0) {
    return true;
  }
  if (slot.child) {
    // Reap again when it is no longer alive: a child exiting between the first waitpid and
    // alive() is a zombie, which must be reaped for its status, not reported as unknown. Our
    // own child's pid cannot be reused before we reap it.
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (auto st = deps_.procs.reap(slot.pid)) {
        if (status) {
          *status = st;
        }
        return true;
      }
      if (attempt == 0 && deps_.procs.alive(slot.pid)) {
        return false;
      }
    }
  }
  if (!deps_.procs.alive(slot.pid) || !same_process(slot)) {
    if (status) {
      ExitStatus unknown;
      unknown.known = false;
      *status = unknown;
    }
    return true;
  }
  return false;
}

void FleetSupervisor::adopt_running() {
  for (auto& [name, slot] : slots_) {
    if (slot.state != WorkerState::stopped) {
      continue;
    }
    auto path = pid_file_path(options_.pids_dir, name);
    auto rec = read_pid_file(path);
    if (!rec) {
      log("pid file " + path.string() + ": " + rec.error() + "; removing it");
      std::error_code ec;
      std::filesystem::remove(path, ec);
      continue;
    }
    if (!rec.value()) {
      continue;
    }
    const PidRecord& r = *rec.value();
    auto check = check_identity(r, deps_.procs);
    if (check != IdentityCheck::same) {
      log("stale pid file " + path.filename().string() + ": " +
          describe_identity(check, r, deps_.procs) + "; removed (nothing signalled)");
      std::error_code ec;
      std::filesystem::remove(path, ec);
      continue;
    }
    launch(slot);  // adopts it when healthy, replaces it otherwise
  }
  write_pending_pid_files();
}

void FleetSupervisor::launch(Slot& slot) {
  const auto now = deps_.clock.now();
  slot.message.clear();
  // 1. A worker of ours for this profile, from an earlier supervisor or a lost child?
  auto path = pid_file_path(options_.pids_dir, slot.spec.name);
  auto rec = read_pid_file(path);
  if (rec && rec.value() && rec.value()->pid != slot.pid) {
    const PidRecord& r = *rec.value();
    auto check = check_identity(r, deps_.procs);
    if (check == IdentityCheck::same) {
      PortHolder holder = deps_.listeners.who_listens(slot.spec.port, r.pid);
      bool healthy = false;
      if (holder.pid == r.pid) {
        auto res = deps_.prober.probe({{slot.spec.host, slot.spec.port}}, options_.probe_timeout);
        healthy = !res.empty() && res[0].healthy();
      }
      PortVerdict v = classify_port(slot.spec.port, r.pid, holder, healthy, "");
      slot.pid = r.pid;
      slot.child = false;
      slot.foreign = false;
      slot.identity = r.identity;
      if (v.use == PortUse::own_healthy) {
        log("adopted " + label(slot) + ": pid file matches, port bound by it, /health 200");
        set_state(slot, WorkerState::running);
        slot.healthy_since = now;
        slot.next_health = now + options_.settings.health_interval;
        slot.health_failures = 0;
        return;
      }
      log("replacing " + label(slot) + ": " + v.message);
      begin_stop(slot, After::start);
      return;
    }
    log("stale pid file " + path.filename().string() + ": " +
        describe_identity(check, r, deps_.procs) + "; removed (nothing signalled)");
    std::error_code ec;
    std::filesystem::remove(path, ec);
  } else if (!rec) {
    log("pid file " + path.string() + ": " + rec.error() + "; removing it");
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  // 2. Anybody else on the port?
  PortHolder holder = deps_.listeners.who_listens(slot.spec.port);
  if (holder.listening) {
    std::string cmd;
    std::optional<ProcessIdentity> id;
    if (holder.pid) {
      id = deps_.procs.identity(*holder.pid);
      if (id) {
        cmd = display_cmdline(id->cmdline);
      }
    }
    // Our own worker whose pid file was lost: exactly the command line we would spawn. Its
    // identity is read from /proc right now, so recording it cannot name a reused pid.
    if (holder.pid && id && id->cmdline == options_.spawn_spec(slot.spec).argv) {
      PidRecord r;
      r.pid = *holder.pid;
      r.profile = slot.spec.name;
      r.port = slot.spec.port;
      r.identity = *id;
      if (write_pid_file(pid_file_path(options_.pids_dir, slot.spec.name), r)) {
        log(slot.spec.name + ": port " + std::to_string(slot.spec.port) +
            " is served by our worker pid " + std::to_string(r.pid) +
            " without a pid file; pid file rewritten");
        launch(slot);  // adopts it when healthy, replaces it otherwise
        return;
      }
    }
    PortVerdict v = classify_port(slot.spec.port, std::nullopt, holder, false, cmd);
    if (v.use == PortUse::foreign && slot.takeover && id) {
      slot.takeover = false;
      log("takeover: " + v.message + "; stopping it for " + slot.spec.name);
      slot.pid = v.pid;
      slot.child = false;
      slot.foreign = true;
      slot.identity = id;
      begin_stop(slot, After::start);
      return;
    }
    slot.takeover = false;
    slot.message = v.message + (v.use == PortUse::foreign ? "; use --takeover to replace it" : "");
    log(slot.spec.name + ": not started: " + slot.message);
    set_state(slot, WorkerState::conflict);
    return;
  }
  slot.takeover = false;
  spawn(slot);
}

void FleetSupervisor::spawn(Slot& slot) {
  const auto now = deps_.clock.now();
  SpawnSpec spec = options_.spawn_spec(slot.spec);
  auto pid = deps_.procs.spawn(spec);
  if (!pid) {
    slot.pid = 0;
    log(slot.spec.name + ": " + pid.error());
    on_failure(slot, pid.error());
    return;
  }
  slot.pid = *pid;
  slot.child = true;
  slot.foreign = false;
  slot.identity = deps_.procs.identity(slot.pid);
  slot.killed = false;
  slot.gone_at.reset();
  slot.health_failures = 0;
  // The pid file (two fsyncs) is written once every worker of this round is spawned, so the
  // workers initialise while we wait for the disk.
  slot.pid_file_pending = slot.identity.has_value();
  log("started " + label(slot));
  set_state(slot, WorkerState::starting);
  slot.deadline = now + options_.settings.start_timeout;
}

void FleetSupervisor::begin_stop(Slot& slot, After after) {
  slot.after = after;
  if (slot.pid <= 0 || process_gone(slot, nullptr)) {
    set_state(slot, WorkerState::stopping);
    slot.gone_at = deps_.clock.now();
    finish_stop(slot);
    return;
  }
  // Identity was just verified by process_gone(): this pid is still our process.
  if (slot.foreign) {
    deps_.procs.signal_one(slot.pid, SIGTERM);
    deps_.procs.signal_one(slot.pid, SIGCONT);
  } else {
    deps_.procs.signal_group(slot.pid, SIGTERM);
    deps_.procs.signal_group(slot.pid, SIGCONT);  // a stopped process cannot act on SIGTERM
  }
  log("stopping " + label(slot) + ": SIGTERM sent");
  set_state(slot, WorkerState::stopping);
  slot.deadline = deps_.clock.now() + options_.settings.stop_timeout;
  slot.killed = false;
  slot.gone_at.reset();
}

void FleetSupervisor::finish_stop(Slot& slot) {
  slot.pid_file_pending = false;
  if (!slot.foreign) {
    remove_pid_file(slot);
  }
  slot.pid = 0;
  slot.child = false;
  slot.foreign = false;
  slot.identity.reset();
  slot.gone_at.reset();
  After after = slot.after;
  slot.after = After::none;
  set_state(slot, WorkerState::stopped);
  switch (after) {
    case After::none:
      if (slot.message.empty() || slot.message.rfind("stopped", 0) == 0) {
        slot.message.clear();
      }
      log("stopped " + slot.spec.name);
      break;
    case After::start:
      launch(slot);
      break;
    case After::remove:
      log("removed " + slot.spec.name);
      slot.removing = true;
      break;
    case After::fail:
      on_failure(slot, slot.message);
      break;
  }
}

void FleetSupervisor::on_exit(Slot& slot, const ExitStatus& status) {
  slot.pid_file_pending = false;
  slot.last_exit = status;
  log(label(slot) + " exited unexpectedly: " + status.str());
  remove_pid_file(slot);
  slot.pid = 0;
  slot.child = false;
  slot.identity.reset();
  on_failure(slot, status.str());
}

void FleetSupervisor::on_failure(Slot& slot, const std::string& why) {
  auto now = deps_.clock.now();
  auto d = slot.policy.on_failure(now);
  if (d.fatal) {
    slot.message = "failed " + std::to_string(slot.policy.failures_in_window()) + " times within " +
                   seconds_text(options_.settings.failure_window) + " (last: " + why +
                   "); not restarting until start/restart";
    log(slot.spec.name + ": fatal: " + slot.message);
    set_state(slot, WorkerState::fatal);
    return;
  }
  slot.message = why + "; restarting in " + seconds_text(d.delay);
  log(slot.spec.name + ": backoff: " + slot.message);
  set_state(slot, WorkerState::backoff);
  slot.backoff_until = now + d.delay;
}

std::vector<std::string> FleetSupervisor::stop(const std::vector<std::string>& names) {
  std::vector<std::string> stopped;
  std::vector<std::string> targets = names;
  if (targets.empty()) {
    for (const auto& [name, slot] : slots_) {
      targets.push_back(name);
    }
    restart_queue_.clear();
    restarting_.reset();
  }
  for (const auto& name : targets) {
    auto it = slots_.find(name);
    if (it == slots_.end()) {
      continue;
    }
    Slot& slot = it->second;
    restart_queue_.erase(std::remove(restart_queue_.begin(), restart_queue_.end(), name),
                         restart_queue_.end());
    if (restarting_ == name) {
      restarting_.reset();
    }
    stopped.push_back(name);
    switch (slot.state) {
      case WorkerState::starting:
      case WorkerState::running:
        begin_stop(slot, After::none);
        break;
      case WorkerState::stopping:
        if (slot.after != After::remove) {
          slot.after = After::none;
        }
        break;
      default:
        slot.message.clear();
        set_state(slot, WorkerState::stopped);
        break;
    }
  }
  return stopped;
}

FleetSupervisor::StartOutcome FleetSupervisor::start(const std::vector<std::string>& names,
                                                     const std::set<std::string>& takeover) {
  StartOutcome out;
  std::vector<std::string> targets = names;
  if (targets.empty()) {
    for (const auto& [name, slot] : slots_) {
      targets.push_back(name);
    }
  }
  for (const auto& name : targets) {
    auto it = slots_.find(name);
    if (it == slots_.end() || it->second.removing) {
      out.unknown.push_back(name);
      continue;
    }
    Slot& slot = it->second;
    slot.takeover = takeover.count(name) != 0;
    switch (slot.state) {
      case WorkerState::running:
      case WorkerState::starting:
        out.already_running.push_back(name);
        break;
      case WorkerState::stopping:
        slot.after = After::start;
        out.started.push_back(name);
        break;
      default:
        slot.policy.reset();
        out.started.push_back(name);
        launch(slot);
        break;
    }
  }
  write_pending_pid_files();
  return out;
}

std::vector<std::string> FleetSupervisor::restart(const std::vector<std::string>& names) {
  std::vector<std::string> targets = names;
  if (targets.empty()) {
    for (const auto& [name, slot] : slots_) {
      targets.push_back(name);
    }
  }
  std::vector<std::string> out;
  for (const auto& name : targets) {
    auto it = slots_.find(name);
    if (it == slots_.end() || it->second.removing) {
      continue;
    }
    out.push_back(name);
    if (restarting_ == name ||
        std::find(restart_queue_.begin(), restart_queue_.end(), name) != restart_queue_.end()) {
      continue;
    }
    restart_queue_.push_back(name);
  }
  advance_restarts();
  write_pending_pid_files();
  return out;
}

void FleetSupervisor::advance_restarts() {
  while (true) {
    if (restarting_) {
      auto it = slots_.find(*restarting_);
      if (it == slots_.end()) {
        restarting_.reset();
        continue;
      }
      const Slot& slot = it->second;
      bool done = restart_stop_done_ && slot.state != WorkerState::stopping &&
                  slot.state != WorkerState::starting && slot.state != WorkerState::backoff;
      if (slot.state != WorkerState::stopping) {
        restart_stop_done_ = true;
      }
      if (!done) {
        return;
      }
      restarting_.reset();
    }
    if (restart_queue_.empty()) {
      return;
    }
    std::string name = restart_queue_.front();
    restart_queue_.pop_front();
    auto it = slots_.find(name);
    if (it == slots_.end()) {
      continue;
    }
    Slot& slot = it->second;
    slot.policy.reset();
    restarting_ = name;
    restart_stop_done_ = false;
    log("restarting " + label(slot));
    if (slot.state == WorkerState::running || slot.state == WorkerState::starting) {
      begin_stop(slot, After::start);
    } else if (slot.state == WorkerState::stopping) {
      slot.after = After::start;
    } else {
      launch(slot);
    }
  }
}

void FleetSupervisor::tick() {
  const auto now = deps_.clock.now();
  const auto& s = options_.settings;
  std::vector<Slot*> probe_slots;
  std::vector<ProbeTarget> targets;

  for (auto& [name, slot] : slots_) {
    switch (slot.state) {
      case WorkerState::starting:
      case WorkerState::running: {
        std::optional<ExitStatus> status;
        if (process_gone(slot, &status)) {
          on_exit(slot, *status);
          break;
        }
        if (slot.state == WorkerState::starting) {
          if (now >= slot.deadline) {
            slot.message = "not ready within " + seconds_text(s.start_timeout);
            log(label(slot) + ": " + slot.message);
            begin_stop(slot, After::fail);
            break;
          }
          PortHolder holder = deps_.listeners.who_listens(slot.spec.port, slot.pid);
          if (holder.pid == slot.pid) {
            probe_slots.push_back(&slot);
            targets.push_back({slot.spec.host, slot.spec.port});
          }
        } else {
          slot.policy.on_healthy(slot.healthy_since, now);
          if (now >= slot.next_health) {
            probe_slots.push_back(&slot);
            targets.push_back({slot.spec.host, slot.spec.port});
          }
        }
        break;
      }
      case WorkerState::stopping: {
        std::optional<ExitStatus> status;
        if (!slot.gone_at) {
          if (process_gone(slot, &status)) {
            if (slot.after == After::fail && status && status->known) {
              slot.last_exit = status;
            }
            slot.gone_at = now;
          } else if (now >= slot.deadline && !slot.killed) {
            log(label(slot) + ": still running after " + seconds_text(s.stop_timeout) +
                "; SIGKILL");
            if (slot.foreign) {
              deps_.procs.signal_one(slot.pid, SIGKILL);
            } else {
              deps_.procs.signal_group(slot.pid, SIGKILL);
            }
            slot.killed = true;
            break;
          } else {
            break;
          }
        }
        PortHolder holder = deps_.listeners.who_listens(slot.spec.port);
        if (!holder.listening) {
          finish_stop(slot);
        } else if (now - *slot.gone_at >= options_.port_release_timeout) {
          slot.message = "stopped, but port " + std::to_string(slot.spec.port) + " is still held" +
                         (holder.pid ? " by pid " + std::to_string(*holder.pid) : "");
          log(slot.spec.name + ": " + slot.message);
          finish_stop(slot);
        }
        break;
      }
      case WorkerState::backoff:
        if (now >= slot.backoff_until) {
          ++slot.restarts;
          log("restart #" + std::to_string(slot.restarts) + " of " + slot.spec.name);
          launch(slot);
        }
        break;
      default:
        break;
    }
  }

  if (!targets.empty()) {
    auto results = deps_.prober.probe(targets, options_.probe_timeout);
    const auto after = deps_.clock.now();
    for (std::size_t i = 0; i < probe_slots.size() && i < results.size(); ++i) {
      Slot& slot = *probe_slots[i];
      const HealthResult& r = results[i];
      if (slot.state == WorkerState::starting) {
        if (r.healthy()) {
          slot.message.clear();
          log("ready " + label(slot) + " after " +
              std::to_string(
                  std::chrono::duration_cast<std::chrono::milliseconds>(after - slot.since)
                      .count()) +
              "ms");
          set_state(slot, WorkerState::running);
          slot.healthy_since = after;
          slot.next_health = after + s.health_interval;
          slot.health_failures = 0;
        }
        continue;
      }
      if (slot.state != WorkerState::running) {
        continue;
      }
      slot.next_health = after + s.health_interval;
      if (r.healthy()) {
        if (slot.health_failures > 0) {
          slot.healthy_since = after;
          log(slot.spec.name + ": /health answers again");
        }
        slot.health_failures = 0;
        continue;
      }
      ++slot.health_failures;
      log(label(slot) + ": /health " + r.str() + " (" + std::to_string(slot.health_failures) + "/" +
          std::to_string(s.health_failures) + ")");
      if (slot.health_failures >= s.health_failures) {
        slot.message = "/health failed " + std::to_string(slot.health_failures) +
                       " times in a row (" + r.str() + ")";
        begin_stop(slot, After::fail);
      }
    }
  }

  for (auto it = slots_.begin(); it != slots_.end();) {
    if (it->second.removing && it->second.state == WorkerState::stopped) {
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
  advance_restarts();
  write_pending_pid_files();
}

Duration FleetSupervisor::next_tick_in() const {
  const auto now = deps_.clock.now();
  Duration wait = std::chrono::seconds(1);
  for (const auto& [name, slot] : slots_) {
    switch (slot.state) {
      case WorkerState::starting:
      case WorkerState::stopping:
        wait = std::min<Duration>(wait, std::chrono::milliseconds(5));
        break;
      case WorkerState::backoff:
        wait = std::min<Duration>(wait,
                                  std::max<Duration>(Duration::zero(), slot.backoff_until - now));
        break;
      case WorkerState::running:
        wait =
            std::min<Duration>(wait, std::max<Duration>(Duration::zero(), slot.next_health - now));
        // Crashes of adopted workers are only seen by polling.
        wait = std::min<Duration>(wait, std::chrono::milliseconds(200));
        break;
      default:
        break;
    }
  }
  return wait;
}

std::vector<WorkerView> FleetSupervisor::view() const {
  std::vector<WorkerView> out;
  for (const auto& [name, slot] : slots_) {
    WorkerView v;
    v.name = name;
    v.port = slot.spec.port;
    v.pid = slot.pid;
    v.state = slot.state;
    v.restarts = slot.restarts;
    v.last_exit = slot.last_exit;
    v.message = slot.message;
    v.adopted = slot.pid > 0 && !slot.child && !slot.foreign;
    if (slot.foreign) {
      v.pid = 0;
    }
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(),
            [](const WorkerView& a, const WorkerView& b) { return a.port < b.port; });
  return out;
}

bool FleetSupervisor::settled() const {
  if (restarting_ || !restart_queue_.empty()) {
    return false;
  }
  for (const auto& [name, slot] : slots_) {
    if (slot.state == WorkerState::starting || slot.state == WorkerState::stopping) {
      return false;
    }
  }
  return true;
}

bool FleetSupervisor::all_down() const {
  for (const auto& [name, slot] : slots_) {
    if (slot.pid > 0 || slot.state == WorkerState::starting || slot.state == WorkerState::running ||
        slot.state == WorkerState::stopping || slot.state == WorkerState::backoff) {
      return false;
    }
  }
  return true;
}

}  // namespace ccproxy::supervisor
