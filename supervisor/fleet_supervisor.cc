// FleetSupervisor: the set of profiles, the user's start/stop/restart (a rolling restart goes
// through a queue, one slot at a time) and what the caller reads back.
#include "supervisor/fleet_supervisor.h"

#include <algorithm>

namespace ccproxy::supervisor {

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

/// A stopped slot for a profile not known yet.
FleetSupervisor::Slot& FleetSupervisor::add_slot(const WorkerSpec& spec) {
  auto [ins, ok] = slots_.emplace(spec.name, Slot(options_.settings));
  ins->second.spec = spec;
  ins->second.since = deps_.clock.now();
  return ins->second;
}

void FleetSupervisor::add_profiles(const std::vector<WorkerSpec>& specs) {
  for (const auto& spec : specs) {
    if (slots_.count(spec.name) == 0) {
      add_slot(spec);
      log("new profile " + spec.name + " (port " + std::to_string(spec.port) + ")");
    }
  }
}

FleetSupervisor::ProfileDiff FleetSupervisor::set_profiles(const std::vector<WorkerSpec>& specs,
                                                           bool apply) {
  ProfileDiff diff = merge_profiles(specs);
  if (apply) {
    apply_profile_diff(diff);
  }
  return diff;
}

FleetSupervisor::ProfileDiff FleetSupervisor::update_profiles(
    const std::vector<WorkerSpec>& specs) {
  ProfileDiff diff;
  for (const auto& spec : specs) {
    merge_profile(spec, diff);
  }
  apply_profile_diff(diff);
  return diff;
}

/// A profile not known yet is added (stopped); a known one takes the new spec, `changed` when
/// its fingerprint, port or host differ.
void FleetSupervisor::merge_profile(const WorkerSpec& spec, ProfileDiff& diff) {
  auto it = slots_.find(spec.name);
  if (it == slots_.end()) {
    add_slot(spec);
    diff.added.push_back(spec.name);
    return;
  }
  Slot& slot = it->second;
  slot.removing = false;
  if (slot.spec.fingerprint != spec.fingerprint || slot.spec.port != spec.port ||
      slot.spec.host != spec.host) {
    slot.moved = slot.moved || slot.spec.port != spec.port || slot.spec.host != spec.host;
    slot.spec = spec;
    diff.changed.push_back(spec.name);
  }
}

/// Adds the new profiles (stopped) and takes over the changed specs; the removed ones stay
/// until the diff is applied.
FleetSupervisor::ProfileDiff FleetSupervisor::merge_profiles(const std::vector<WorkerSpec>& specs) {
  ProfileDiff diff;
  std::set<std::string> seen;
  for (const auto& spec : specs) {
    seen.insert(spec.name);
    merge_profile(spec, diff);
  }
  for (auto& [name, slot] : slots_) {
    if (!seen.count(name)) {
      diff.removed.push_back(name);
    }
  }
  return diff;
}

/// Removed profiles stop (and go once stopped), added ones start, changed ones that are up
/// restart one at a time.
void FleetSupervisor::apply_profile_diff(const ProfileDiff& diff) {
  for (const auto& name : diff.removed) {
    Slot& slot = slots_.at(name);
    slot.removing = true;
    unqueue_restart(name);
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
}

/// `names`, or every profile when it is empty.
std::vector<std::string> FleetSupervisor::names_or_all(
    const std::vector<std::string>& names) const {
  if (!names.empty()) {
    return names;
  }
  std::vector<std::string> all;
  for (const auto& [name, slot] : slots_) {
    all.push_back(name);
  }
  return all;
}

void FleetSupervisor::unqueue_restart(const std::string& name) {
  restart_queue_.erase(std::remove(restart_queue_.begin(), restart_queue_.end(), name),
                       restart_queue_.end());
}

std::vector<std::string> FleetSupervisor::stop(const std::vector<std::string>& names) {
  if (names.empty()) {
    restart_queue_.clear();
    restarting_.reset();
  }
  std::vector<std::string> stopped;
  for (const auto& name : names_or_all(names)) {
    auto it = slots_.find(name);
    if (it == slots_.end()) {
      continue;
    }
    unqueue_restart(name);
    if (restarting_ == name) {
      restarting_.reset();
    }
    stopped.push_back(name);
    stop_slot(it->second);
  }
  return stopped;
}

/// A process is stopped; a stop already under way stops for good (a removal stays a removal);
/// a slot without a process is simply stopped.
void FleetSupervisor::stop_slot(Slot& slot) {
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

FleetSupervisor::StartOutcome FleetSupervisor::start(const std::vector<std::string>& names,
                                                     const std::set<std::string>& takeover) {
  StartOutcome out;
  for (const auto& name : names_or_all(names)) {
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
  std::vector<std::string> out;
  for (const auto& name : names_or_all(names)) {
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

/// True while the slot being restarted is on its way down and up again; forgets it once it is
/// through (or no longer exists).
bool FleetSupervisor::restart_in_progress() {
  if (!restarting_) {
    return false;
  }
  auto it = slots_.find(*restarting_);
  if (it == slots_.end()) {
    restarting_.reset();
    return false;
  }
  const Slot& slot = it->second;
  bool done = restart_stop_done_ && slot.state != WorkerState::stopping &&
              slot.state != WorkerState::starting && slot.state != WorkerState::backoff &&
              !still_listening(slot);
  if (slot.state != WorkerState::stopping) {
    restart_stop_done_ = true;
  }
  if (!done) {
    return true;
  }
  restarting_.reset();
  return false;
}

/// Rolling restart: the next queued slot goes down (and comes back up) once the previous one
/// is through.
void FleetSupervisor::advance_restarts() {
  while (!restart_in_progress() && !restart_queue_.empty()) {
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
    if (begin_handover(slot)) {
      restart_stop_done_ = true;
    } else if (slot.state == WorkerState::running || slot.state == WorkerState::starting) {
      begin_stop(slot, After::start);
    } else if (slot.state == WorkerState::stopping) {
      slot.after = After::start;
    } else {
      launch(slot);
    }
  }
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
        if (!slot.draining.empty()) {
          wait = std::min<Duration>(wait, std::chrono::milliseconds(20));
        }
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
    if (slot.pid > 0 || slot.replacing || !slot.draining.empty() ||
        slot.state == WorkerState::starting || slot.state == WorkerState::running ||
        slot.state == WorkerState::stopping || slot.state == WorkerState::backoff) {
      return false;
    }
  }
  return true;
}

}  // namespace ccproxy::supervisor
