// A restart that never leaves the port unserved. The new worker starts beside the running one
// on the same port (SO_REUSEPORT, see worker/http/listener.h); once it is ready, the old one
// gets SIGUSR2: it steers new connections to the new worker, serves what it had already
// accepted or queued, closes its listener and drains its open requests and streams within its
// shutdown_grace_s; it is SIGKILLed only after stop_timeout. When the new worker fails to start,
// the old one simply keeps serving.
//
// A handover needs the running worker to be ours, to hold the port itself, and the port and
// host to stay the same; otherwise a restart stops the worker and then starts the new one.
#include <signal.h>

#include "supervisor/fleet_supervisor.h"

namespace ccproxy::supervisor {

/// Starts the successor of a running worker beside it; false when a handover is not possible
/// (the caller restarts the old way).
bool FleetSupervisor::begin_handover(Slot& slot) {
  if (slot.state != WorkerState::running || slot.foreign || slot.pid <= 0 || slot.moved ||
      slot.replacing) {
    return false;
  }
  if (deps_.listeners.who_listens(slot.spec.port, slot.pid).pid != slot.pid) {
    return false;
  }
  Outgoing out;
  out.pid = slot.pid;
  out.child = slot.child;
  out.identity = slot.identity;
  log("handover: starting the successor of " + label(slot) + " beside it");
  slot.replacing = out;
  spawn(slot, true);
  return true;
}

/// The successor is ready: the replaced worker hands the port over and drains.
void FleetSupervisor::hand_over_port(Slot& slot, TimePoint now) {
  Outgoing out = *slot.replacing;
  slot.replacing.reset();
  out.deadline = now + options_.settings.stop_timeout + std::chrono::seconds(1);
  log("handover: " + label(slot) + " serves; pid " + std::to_string(out.pid) +
      " hands the port over and drains");
  retire(slot, std::move(out), SIGUSR2, "hand over");
}

/// Signals an outgoing worker (when it is still the process we knew) and waits for it to go.
void FleetSupervisor::retire(Slot& slot, Outgoing out, int sig, const char* what) {
  if (outgoing_gone(out)) {
    log(slot.spec.name + ": pid " + std::to_string(out.pid) + " is already gone");
    return;
  }
  if (!deps_.procs.signal_group(out.pid, sig)) {
    log(slot.spec.name + ": cannot signal pid " + std::to_string(out.pid) + " to " + what);
  }
  deps_.procs.signal_group(out.pid, SIGCONT);
  if (out.deadline == TimePoint{}) {
    out.deadline = deps_.clock.now() + options_.settings.stop_timeout;
  }
  slot.draining.push_back(std::move(out));
}

/// The successor failed before it was ready: the worker it was to replace keeps serving.
/// False when there was no handover under way.
bool FleetSupervisor::revert_handover(Slot& slot, const std::string& why) {
  if (!slot.replacing) {
    return false;
  }
  Outgoing out = *slot.replacing;
  slot.replacing.reset();
  if (outgoing_gone(out)) {
    return false;  // nothing to go back to: the usual failure handling
  }
  slot.pid = out.pid;
  slot.child = out.child;
  slot.foreign = false;
  slot.identity = out.identity;
  slot.pid_file_pending = slot.identity.has_value();
  slot.message =
      "the new worker failed (" + why + "); pid " + std::to_string(out.pid) + " keeps serving";
  log(slot.spec.name + ": handover: " + slot.message);
  become_running(slot, deps_.clock.now());
  return true;
}

/// Outgoing workers that exited are forgotten; those past their deadline are killed.
void FleetSupervisor::tick_draining(Slot& slot, TimePoint now) {
  for (auto it = slot.draining.begin(); it != slot.draining.end();) {
    if (outgoing_gone(*it)) {
      log(slot.spec.name + ": pid " + std::to_string(it->pid) + " finished draining");
      it = slot.draining.erase(it);
      continue;
    }
    if (now >= it->deadline && !it->killed) {
      log(slot.spec.name + ": pid " + std::to_string(it->pid) + " still draining after " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(options_.settings.stop_timeout)
                  .count()) +
          "s; SIGKILL");
      deps_.procs.signal_group(it->pid, SIGKILL);
      it->killed = true;
    }
    ++it;
  }
}

/// An outgoing worker still holds a listener on the slot's port: no next handover yet (its
/// queue would be split three ways).
bool FleetSupervisor::still_listening(const Slot& slot) const {
  for (const Outgoing& out : slot.draining) {
    if (deps_.listeners.who_listens(slot.spec.port, out.pid).pid == out.pid) {
      return true;
    }
  }
  return false;
}

/// Exited (reaped when it is our child), or no longer the process we knew.
bool FleetSupervisor::outgoing_gone(Outgoing& out) {
  if (out.pid <= 0) {
    return true;
  }
  if (out.child && deps_.procs.reap(out.pid)) {
    return true;
  }
  if (!deps_.procs.alive(out.pid)) {
    if (out.child) {
      deps_.procs.reap(out.pid);
    }
    return true;
  }
  auto now = deps_.procs.identity(out.pid);
  return !out.identity || !now || now->start_time != out.identity->start_time ||
         now->cmdline != out.identity->cmdline;
}

}  // namespace ccproxy::supervisor
