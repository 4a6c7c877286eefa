// How FleetSupervisor gives a slot its worker: a worker of ours that already runs (named by the
// slot's pid file, or recognised by its command line) is adopted when healthy and replaced
// otherwise; a foreign process on the port is a conflict unless the user asked for a takeover;
// a free port gets a new worker. Also the pid files that record our workers, and their
// directory, made again when it is removed under us.
#include <sys/stat.h>

#include "supervisor/fleet_supervisor.h"
#include "supervisor/os/own_command.h"
#include "supervisor/os/pid_file.h"
#include "supervisor/os/port_conflict.h"

namespace ccproxy::supervisor {

void FleetSupervisor::adopt_running() {
  for (auto& [name, slot] : slots_) {
    if (slot.state == WorkerState::stopped && recorded_worker(slot)) {
      launch(slot);  // adopts it when healthy, replaces it otherwise
    }
  }
  write_pending_pid_files();
}

void FleetSupervisor::launch(Slot& slot) {
  const auto now = deps_.clock.now();
  slot.message.clear();
  // 1. A worker of ours for this profile, from an earlier supervisor or a lost child?
  if (auto record = recorded_worker(slot)) {
    adopt_or_replace(slot, *record, now);
    return;
  }
  // 2. Anybody else on the port?
  PortHolder holder = deps_.listeners.who_listens(slot.spec.port);
  if (holder.listening) {
    meet_port_holder(slot, holder);
    return;
  }
  slot.takeover = false;
  spawn(slot);
}

/// The record of the slot's pid file when it names a live process of ours other than the
/// slot's own: the recorded process, running the command we spawn for this profile. A pid file
/// that cannot be read, or that names a process which is gone, is another process now or is
/// not our worker (a forged record), is removed (nothing is signalled).
std::optional<PidRecord> FleetSupervisor::recorded_worker(const Slot& slot) {
  auto path = pid_file_path(options_.pids_dir, slot.spec.name);
  auto rec = read_pid_file(path);
  if (!rec) {
    log("pid file " + path.string() + ": " + rec.error() + "; removing it");
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return std::nullopt;
  }
  if (!rec.value() || rec.value()->pid == slot.pid) {
    return std::nullopt;
  }
  const PidRecord& r = *rec.value();
  auto check = check_identity(r, deps_.procs, options_.spawn_spec(slot.spec).argv);
  if (check != IdentityCheck::same) {
    log("stale pid file " + path.filename().string() + ": " +
        describe_identity(check, r, deps_.procs) + "; removed (nothing signalled)");
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return std::nullopt;
  }
  return r;
}

/// Our worker runs: adopted when it holds the port and answers /health, replaced otherwise.
void FleetSupervisor::adopt_or_replace(Slot& slot, const PidRecord& record, TimePoint now) {
  PortHolder holder = deps_.listeners.who_listens(slot.spec.port, record.pid);
  bool healthy = false;
  if (holder.pid == record.pid) {
    auto res = deps_.prober.probe({{slot.spec.host, slot.spec.port}}, options_.probe_timeout);
    healthy = !res.empty() && res[0].healthy();
  }
  PortVerdict v = classify_port(slot.spec.port, record.pid, holder, healthy, "");
  slot.pid = record.pid;
  slot.child = false;
  slot.foreign = false;
  slot.identity = record.identity;
  if (v.use == PortUse::own_healthy) {
    log("adopted " + label(slot) + ": pid file matches, port bound by it, /health 200");
    become_running(slot, now);
    return;
  }
  log("replacing " + label(slot) + ": " + v.message);
  begin_stop(slot, After::start);
}

/// Someone listens on the port and no pid file names it: our own worker that lost its pid
/// file is adopted (or replaced), a foreign process is taken over when the user asked for it,
/// anything else is a conflict.
void FleetSupervisor::meet_port_holder(Slot& slot, const PortHolder& holder) {
  std::optional<ProcessIdentity> id;
  if (holder.pid) {
    id = deps_.procs.identity(*holder.pid);
  }
  // Our own worker whose pid file was lost: our executable, running exactly the command line we
  // would spawn. Its identity is read from /proc right now, so recording it cannot name a
  // reused pid.
  if (holder.pid && id && runs_command(*id, options_.spawn_spec(slot.spec).argv) &&
      write_pid_record(slot, *holder.pid, *id)) {
    log(slot.spec.name + ": port " + std::to_string(slot.spec.port) +
        " is served by our worker pid " + std::to_string(*holder.pid) +
        " without a pid file; pid file rewritten");
    launch(slot);  // adopts it when healthy, replaces it otherwise
    return;
  }
  const std::string cmd = id ? display_cmdline(id->cmdline) : "";
  PortVerdict v = classify_port(slot.spec.port, std::nullopt, holder, false, cmd);
  if (v.use == PortUse::foreign && slot.takeover && id) {
    take_over_port(slot, v, *id);
    return;
  }
  slot.takeover = false;
  slot.message = v.message + (v.use == PortUse::foreign ? "; use --takeover to replace it" : "");
  log(slot.spec.name + ": not started: " + slot.message);
  set_state(slot, WorkerState::conflict);
}

/// Stops the foreign listener (that process only); the slot starts once it is gone.
void FleetSupervisor::take_over_port(Slot& slot, const PortVerdict& verdict,
                                     const ProcessIdentity& identity) {
  slot.takeover = false;
  log("takeover: " + verdict.message + "; stopping it for " + slot.spec.name);
  slot.pid = verdict.pid;
  slot.child = false;
  slot.foreign = true;
  slot.identity = identity;
  begin_stop(slot, After::start);
}

void FleetSupervisor::spawn(Slot& slot, bool successor) {
  const auto now = deps_.clock.now();
  SpawnSpec spec = options_.spawn_spec(slot.spec);
  if (successor) {
    spec.env.emplace_back(kHandoverVariable, "1");
  }
  auto pid = deps_.procs.spawn(spec);
  if (!pid) {
    slot.pid = 0;
    log(slot.spec.name + ": " + pid.error());
    on_failure(slot, pid.error());
    return;
  }
  slot.pid = *pid;
  slot.moved = false;
  slot.child = true;
  slot.foreign = false;
  slot.identity = deps_.procs.identity(slot.pid);
  slot.killed = false;
  slot.gone_at.reset();
  slot.health_failures = 0;
  slot.last_probe = HealthKind::none;
  // The pid file (two fsyncs) is written once every worker of this round is spawned, so the
  // workers initialise while we wait for the disk.
  slot.pid_file_pending = slot.identity.has_value();
  log("started " + label(slot));
  set_state(slot, WorkerState::starting);
  slot.deadline = now + options_.settings.start_timeout;
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

/// pids/<name>.json naming `pid` as the slot's worker.
Result<void> FleetSupervisor::write_pid_record(const Slot& slot, int pid,
                                               const ProcessIdentity& identity) {
  PidRecord r;
  r.pid = pid;
  r.profile = slot.spec.name;
  r.port = slot.spec.port;
  r.identity = identity;
  return write_pid_file(pid_file_path(options_.pids_dir, slot.spec.name), r);
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
    auto w = write_pid_record(slot, slot.pid, *slot.identity);
    if (!w) {
      log(slot.spec.name + ": " + w.error());
    }
  }
}

/// pids_dir removed under us (`rm -rf pids/`): made again (0700) with the pid file of every
/// worker of ours, so that `stop` and `status` still find them; then pids_dir_restored.
void FleetSupervisor::restore_pids_dir() {
  std::error_code ec;
  if (std::filesystem::is_directory(options_.pids_dir, ec)) {
    pids_dir_unmakeable_ = false;
    return;
  }
  if (!std::filesystem::create_directories(options_.pids_dir, ec) && ec) {
    if (!pids_dir_unmakeable_) {
      log(options_.pids_dir.string() + " is gone and cannot be made again: " + ec.message());
      pids_dir_unmakeable_ = true;
    }
    return;
  }
  ::chmod(options_.pids_dir.c_str(), 0700);
  log(options_.pids_dir.string() + " was removed; made it again with the workers' pid files");
  for (auto& [name, slot] : slots_) {
    if (slot.pid > 0 && slot.identity && !slot.foreign) {
      slot.pid_file_pending = true;
    }
  }
  write_pending_pid_files();
  if (options_.pids_dir_restored) {
    options_.pids_dir_restored();
  }
}

}  // namespace ccproxy::supervisor
