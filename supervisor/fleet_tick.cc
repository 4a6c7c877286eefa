// FleetSupervisor::tick(): what the supervisor does for a slot in each state (starting,
// running, stopping, backoff), the health probes of one tick, and the ways out of a state:
// stopping, finishing a stop, and failing (backoff or fatal).
//
// The health rule. A worker whose /health gets no answer at all (timeout, refused, reset) while
// its process lives and holds its port is *unresponsive*: that is what anyone who can reach the
// port causes by filling its connections. It is restarted with the usual backoff, but the
// restart is not a failure towards max_failures: an attack on one port must not turn into a
// profile that stays `fatal`. Crashes, a start timeout of a worker that never bound its port,
// /health answering with another status (the worker itself says it is unwell) and a worker that
// no longer holds its port still count as failures (fatal after max_failures).
#include <signal.h>

#include "supervisor/fleet_supervisor.h"

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

void FleetSupervisor::tick() {
  restore_pids_dir();
  const auto now = deps_.clock.now();
  std::vector<Slot*> to_probe;
  for (auto& [name, slot] : slots_) {
    tick_draining(slot, now);
    switch (slot.state) {
      case WorkerState::starting:
        if (tick_starting(slot, now)) {
          to_probe.push_back(&slot);
        }
        break;
      case WorkerState::running:
        if (tick_running(slot, now)) {
          to_probe.push_back(&slot);
        }
        break;
      case WorkerState::stopping:
        tick_stopping(slot, now);
        break;
      case WorkerState::backoff:
        tick_backoff(slot, now);
        break;
      default:
        break;
    }
  }
  probe_health(to_probe);
  drop_removed();
  advance_restarts();
  write_pending_pid_files();
}

/// Starting: a crash or the start timeout is a failure; once the process binds its port, it
/// is probed (true).
bool FleetSupervisor::tick_starting(Slot& slot, TimePoint now) {
  if (noticed_exit(slot)) {
    return false;
  }
  if (now >= slot.deadline) {
    slot.message = "not ready within " + seconds_text(options_.settings.start_timeout);
    log(label(slot) + ": " + slot.message);
    begin_stop(slot, after_no_health(slot, slot.last_probe));
    return false;
  }
  PortHolder holder = deps_.listeners.who_listens(slot.spec.port, slot.pid);
  return holder.pid == slot.pid;
}

/// Running: a crash is a failure; the time it stayed healthy counts towards resetting the
/// backoff; true when its next health probe is due.
bool FleetSupervisor::tick_running(Slot& slot, TimePoint now) {
  if (noticed_exit(slot)) {
    return false;
  }
  slot.policy.on_healthy(slot.healthy_since, now);
  return now >= slot.next_health;
}

/// Stopping: wait for the process to go (SIGKILL once the stop timeout passed), then for its
/// port to be released.
void FleetSupervisor::tick_stopping(Slot& slot, TimePoint now) {
  if (!slot.gone_at) {
    std::optional<ExitStatus> status;
    if (!process_gone(slot, &status)) {
      if (now >= slot.deadline && !slot.killed) {
        kill_after_stop_timeout(slot);
      }
      return;
    }
    if ((slot.after == After::fail || slot.after == After::backoff) && status && status->known) {
      slot.last_exit = status;
    }
    slot.gone_at = now;
  }
  finish_when_port_free(slot, now);
}

/// Backoff: starts again once the delay is over.
void FleetSupervisor::tick_backoff(Slot& slot, TimePoint now) {
  if (now >= slot.backoff_until) {
    ++slot.restarts;
    log("restart #" + std::to_string(slot.restarts) + " of " + slot.spec.name);
    launch(slot);
  }
}

/// Probes every slot of this tick at once and acts on the answers.
void FleetSupervisor::probe_health(const std::vector<Slot*>& slots) {
  if (slots.empty()) {
    return;
  }
  std::vector<ProbeTarget> targets;
  for (const Slot* slot : slots) {
    targets.push_back({slot->spec.host, slot->spec.port});
  }
  auto results = deps_.prober.probe(targets, options_.probe_timeout);
  const auto after = deps_.clock.now();
  for (std::size_t i = 0; i < slots.size() && i < results.size(); ++i) {
    Slot& slot = *slots[i];
    if (slot.state == WorkerState::starting) {
      on_ready_probe(slot, results[i], after);
    } else if (slot.state == WorkerState::running) {
      on_health_probe(slot, results[i], after);
    }
  }
}

/// A starting worker that answers /health is ready.
void FleetSupervisor::on_ready_probe(Slot& slot, const HealthResult& result, TimePoint at) {
  slot.last_probe = result.kind;
  if (!result.healthy()) {
    return;
  }
  slot.message.clear();
  log("ready " + label(slot) + " after " +
      std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(at - slot.since).count()) +
      "ms");
  become_running(slot, at);
}

/// A running worker that fails `health_failures` probes in a row is stopped: unresponsive or
/// failed (after_no_health()).
void FleetSupervisor::on_health_probe(Slot& slot, const HealthResult& result, TimePoint at) {
  const auto& s = options_.settings;
  slot.next_health = at + s.health_interval;
  if (result.healthy()) {
    if (slot.health_failures > 0) {
      slot.healthy_since = at;
      log(slot.spec.name + ": /health answers again");
    }
    slot.health_failures = 0;
    return;
  }
  ++slot.health_failures;
  log(label(slot) + ": /health " + result.str() + " (" + std::to_string(slot.health_failures) +
      "/" + std::to_string(s.health_failures) + ")");
  if (slot.health_failures >= s.health_failures) {
    slot.message = "/health failed " + std::to_string(slot.health_failures) + " times in a row (" +
                   result.str() + ")";
    begin_stop(slot, after_no_health(slot, result.kind));
  }
}

/// How a live worker whose /health failed (last probe: `probe`) is stopped: After::backoff
/// when the probe got no answer while the process holds its port (unresponsive: restarted,
/// never fatal), else After::fail. Called only once this tick found the process alive.
FleetSupervisor::After FleetSupervisor::after_no_health(const Slot& slot, HealthKind probe) {
  const bool no_answer =
      probe == HealthKind::timeout || probe == HealthKind::refused || probe == HealthKind::error;
  if (!no_answer || slot.pid <= 0 ||
      deps_.listeners.who_listens(slot.spec.port, slot.pid).pid != slot.pid) {
    return After::fail;
  }
  log(label(slot) + ": alive and holding port " + std::to_string(slot.spec.port) +
      " but not answering: unresponsive (restarted, not counted towards fatal)");
  return After::backoff;
}

void FleetSupervisor::become_running(Slot& slot, TimePoint healthy_at) {
  set_state(slot, WorkerState::running);
  slot.healthy_since = healthy_at;
  slot.next_health = healthy_at + options_.settings.health_interval;
  slot.health_failures = 0;
  if (slot.replacing) {
    hand_over_port(slot, healthy_at);
  }
}

/// Slots of removed profiles go once they are stopped.
void FleetSupervisor::drop_removed() {
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (it->second.removing && it->second.state == WorkerState::stopped) {
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
}

void FleetSupervisor::begin_stop(Slot& slot, After after) {
  slot.after = after;
  if (slot.replacing && after != After::fail && after != After::backoff) {
    // Stopped during a handover: the worker being replaced stops too.
    Outgoing out = *slot.replacing;
    slot.replacing.reset();
    retire(slot, std::move(out), SIGTERM, "stop");
  }
  if (slot.pid <= 0 || process_gone(slot, nullptr)) {
    set_state(slot, WorkerState::stopping);
    slot.gone_at = deps_.clock.now();
    finish_stop(slot);
    return;
  }
  // Identity was just verified by process_gone(): this pid is still our process.
  send_signal(slot, SIGTERM);
  send_signal(slot, SIGCONT);  // a stopped process cannot act on SIGTERM
  log("stopping " + label(slot) + ": SIGTERM sent");
  set_state(slot, WorkerState::stopping);
  slot.deadline = deps_.clock.now() + options_.settings.stop_timeout;
  slot.killed = false;
  slot.gone_at.reset();
}

/// Our workers are signalled with their process group; a takeover victim alone.
void FleetSupervisor::send_signal(const Slot& slot, int sig) {
  if (slot.foreign) {
    deps_.procs.signal_one(slot.pid, sig);
  } else {
    deps_.procs.signal_group(slot.pid, sig);
  }
}

void FleetSupervisor::kill_after_stop_timeout(Slot& slot) {
  log(label(slot) + ": still running after " + seconds_text(options_.settings.stop_timeout) +
      "; SIGKILL");
  send_signal(slot, SIGKILL);
  slot.killed = true;
}

/// The process is gone: the stop is over once nobody listens on the port, or after
/// port_release_timeout with a message that says who still holds it.
void FleetSupervisor::finish_when_port_free(Slot& slot, TimePoint now) {
  PortHolder holder = deps_.listeners.who_listens(slot.spec.port);
  if (!holder.listening || slot.replacing) {  // a failed successor: the old worker keeps it
    finish_stop(slot);
  } else if (now - *slot.gone_at >= options_.port_release_timeout) {
    slot.message = "stopped, but port " + std::to_string(slot.spec.port) + " is still held" +
                   (holder.pid ? " by pid " + std::to_string(*holder.pid) : "");
    log(slot.spec.name + ": " + slot.message);
    finish_stop(slot);
  }
}

/// Stopped; then what the stop was for: nothing, a start, the slot's removal or a failure.
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
    case After::backoff:
      on_unresponsive(slot, slot.message);
      break;
  }
}

/// A starting or running worker whose process is gone has crashed; true then.
bool FleetSupervisor::noticed_exit(Slot& slot) {
  std::optional<ExitStatus> status;
  if (!process_gone(slot, &status)) {
    return false;
  }
  on_exit(slot, *status);
  return true;
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

/// Failed: backoff before the next start, or fatal after too many failures.
void FleetSupervisor::on_failure(Slot& slot, const std::string& why) {
  if (revert_handover(slot, why)) {
    return;
  }
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
  enter_backoff(slot, why, d.delay);
}

/// Unresponsive while alive: backoff before the next start, never fatal.
void FleetSupervisor::on_unresponsive(Slot& slot, const std::string& why) {
  if (revert_handover(slot, why)) {
    return;
  }
  enter_backoff(slot, why, slot.policy.on_unresponsive());
}

void FleetSupervisor::enter_backoff(Slot& slot, const std::string& why, Duration delay) {
  slot.message = why + "; restarting in " + seconds_text(delay);
  log(slot.spec.name + ": backoff: " + slot.message);
  set_state(slot, WorkerState::backoff);
  slot.backoff_until = deps_.clock.now() + delay;
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
    // Not reapable yet though it looks exited: a multi-threaded process's leader shows as a
    // zombie while its other threads are still ending (the worker has several), and waitpid
    // waits for them. Its status comes on a later tick.
    if (deps_.procs.exists(slot.pid)) {
      return false;
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

bool FleetSupervisor::same_process(const Slot& slot) {
  if (slot.pid <= 0 || !slot.identity) {
    return false;
  }
  auto now = deps_.procs.identity(slot.pid);
  return now && now->start_time == slot.identity->start_time &&
         now->cmdline == slot.identity->cmdline;
}

}  // namespace ccproxy::supervisor
