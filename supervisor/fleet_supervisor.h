#pragma once
/// FleetSupervisor is the supervisor's brain: one slot per profile, each a small state machine
/// (stopped → starting → running; crash → backoff → starting …; fatal after too many failures;
/// stopping → stopped; a worker that is alive but does not answer is restarted with backoff and
/// never fatal, see fleet_tick.cc). It is entirely passive: the caller calls tick() often enough
/// (see next_tick_in()) and forwards user requests. Processes, time, port owners and health come
/// through the seams in FleetDeps, so every rule here is tested with fakes; the pid files are
/// real files in FleetOptions::pids_dir.
///
/// Implemented in three parts: fleet_supervisor.cc (profiles, start/stop/restart, the rolling
/// restart queue, views), fleet_launch.cc (adopt_running() and how a slot gets its worker:
/// adopt ours, meet whoever holds the port, spawn; the pid files) and fleet_tick.cc (tick():
/// one step per state, the health probes, stopping and failing; a pids_dir removed under it is
/// made again).

#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/supervisor_settings.h"
#include "supervisor/clock.h"
#include "supervisor/control/worker_state.h"
#include "supervisor/health_probe.h"
#include "supervisor/os/listener_lookup.h"
#include "supervisor/os/process_table.h"
#include "supervisor/restart_policy.h"

namespace ccproxy::supervisor {

struct PidRecord;
struct PortVerdict;

/// What the supervisor needs to know of a profile.
struct WorkerSpec {
  std::string name;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string fingerprint;
};

struct FleetDeps {
  ProcessTable& procs;
  Clock& clock;
  ListenerLookup& listeners;
  HealthProber& prober;
};

struct FleetOptions {
  config::SupervisorSettings settings;
  std::filesystem::path pids_dir;
  std::function<SpawnSpec(const WorkerSpec&)> spawn_spec;
  std::function<void(const std::string&)> log;  // one decision per call
  /// Called when tick() found pids_dir removed and made it again (with the workers' pid files):
  /// the supervisor's own files there are to be made again too.
  std::function<void()> pids_dir_restored;
  std::chrono::milliseconds probe_timeout{500};
  /// After the process is gone, how long to wait for its port to be released.
  std::chrono::milliseconds port_release_timeout{2'000};
};

class FleetSupervisor {
 public:
  FleetSupervisor(FleetDeps deps, FleetOptions options);

  struct ProfileDiff {
    std::vector<std::string> added, removed, changed;
  };
  /// Replaces the set of profiles. With `apply`: added ones start, removed ones stop (and
  /// disappear once stopped), running ones whose fingerprint changed restart one at a time.
  ProfileDiff set_profiles(const std::vector<WorkerSpec>& specs, bool apply);
  /// set_profiles(…, true) for these profiles only; the others stay as they are.
  ProfileDiff update_profiles(const std::vector<WorkerSpec>& specs);
  void set_settings(const config::SupervisorSettings& settings);
  /// Adds profiles not known yet (stopped); known ones are left as they are.
  void add_profiles(const std::vector<WorkerSpec>& specs);

  /// At supervisor start: take over our workers left running by an earlier supervisor (pid file
  /// identity matches, port bound by that pid, /health 200); replace our own unhealthy ones;
  /// remove stale pid files.
  void adopt_running();

  struct StartOutcome {
    std::vector<std::string> already_running;
    std::vector<std::string> started;
    std::vector<std::string> unknown;
  };
  /// Empty names: every profile. `takeover`: names whose port may be taken from a foreign
  /// process (SIGTERM, then SIGKILL after stop_timeout, to that process only).
  StartOutcome start(const std::vector<std::string>& names, const std::set<std::string>& takeover);
  /// Empty names: every worker.
  std::vector<std::string> stop(const std::vector<std::string>& names);
  /// Rolling: one at a time, each ready before the next goes down.
  std::vector<std::string> restart(const std::vector<std::string>& names);

  void tick();
  /// How soon tick() should run again.
  Duration next_tick_in() const;

  std::vector<WorkerView> view() const;
  /// Nothing in transition (no starting/stopping/backoff-with-pending-restart, no queue).
  bool settled() const;
  /// Every slot stopped (or fatal/conflict) and no process of ours left.
  bool all_down() const;
  bool has(const std::string& name) const { return slots_.count(name) != 0; }

 private:
  // What a stop is for; `backoff`: an unresponsive worker's restart, never fatal.
  enum class After { none, start, remove, fail, backoff };
  // A worker being replaced by a handover (fleet_handover.cc): first it serves while its
  // successor starts beside it on the same port, then (signalled) it hands the port over and
  // drains until it exits.
  struct Outgoing {
    int pid = 0;
    bool child = false;
    std::optional<ProcessIdentity> identity;
    TimePoint deadline{};  // draining: SIGKILL at
    bool killed = false;
  };
  struct Slot {
    WorkerSpec spec;
    WorkerState state = WorkerState::stopped;
    int pid = 0;
    bool child = false;    // our child: reap() gives its exit status
    bool foreign = false;  // a takeover victim: signal that process only
    std::optional<ProcessIdentity> identity;
    TimePoint since{};     // entered the current state
    TimePoint deadline{};  // starting: ready by; stopping: SIGKILL at
    bool killed = false;
    std::optional<TimePoint> gone_at;  // stopping: process gone, waiting for the port
    TimePoint backoff_until{};
    TimePoint healthy_since{};
    TimePoint next_health{};
    int health_failures = 0;
    HealthKind last_probe = HealthKind::none;  // starting: the last ready probe
    int restarts = 0;
    std::optional<ExitStatus> last_exit;
    std::string message;
    After after = After::none;
    bool takeover = false;
    bool removing = false;
    bool pid_file_pending = false;      // spawned; pids/<name>.json not written yet
    bool moved = false;                 // host or port changed since the worker started
    std::optional<Outgoing> replacing;  // still serving while its successor (pid) starts
    std::vector<Outgoing> draining;     // handed the port over; exiting
    RestartPolicy policy;
    explicit Slot(const config::SupervisorSettings& s) : policy(s) {}
  };

  // fleet_supervisor.cc: slots and the rolling restart queue.
  Slot& add_slot(const WorkerSpec& spec);
  ProfileDiff merge_profiles(const std::vector<WorkerSpec>& specs);
  void merge_profile(const WorkerSpec& spec, ProfileDiff& diff);
  void apply_profile_diff(const ProfileDiff& diff);
  std::vector<std::string> names_or_all(const std::vector<std::string>& names) const;
  void stop_slot(Slot& slot);
  void unqueue_restart(const std::string& name);
  bool restart_in_progress();
  void advance_restarts();
  void set_state(Slot& slot, WorkerState state);
  void log(const std::string& line) const;
  std::string label(const Slot& slot) const;

  // fleet_launch.cc: giving a slot its worker.
  void launch(Slot& slot);
  std::optional<PidRecord> recorded_worker(const Slot& slot);
  void adopt_or_replace(Slot& slot, const PidRecord& record, TimePoint now);
  void meet_port_holder(Slot& slot, const PortHolder& holder);
  void take_over_port(Slot& slot, const PortVerdict& verdict, const ProcessIdentity& identity);
  void spawn(Slot& slot, bool successor = false);
  void remove_pid_file(const Slot& slot);
  Result<void> write_pid_record(const Slot& slot, int pid, const ProcessIdentity& identity);
  void write_pending_pid_files();
  void restore_pids_dir();

  // fleet_handover.cc: a restart that keeps the port served.
  bool begin_handover(Slot& slot);
  void hand_over_port(Slot& slot, TimePoint now);
  bool revert_handover(Slot& slot, const std::string& why);
  void tick_draining(Slot& slot, TimePoint now);
  bool still_listening(const Slot& slot) const;
  bool outgoing_gone(Outgoing& out);
  void retire(Slot& slot, Outgoing out, int sig, const char* what);

  // fleet_tick.cc: one step per state, and the ways out of a state.
  bool tick_starting(Slot& slot, TimePoint now);
  bool tick_running(Slot& slot, TimePoint now);
  void tick_stopping(Slot& slot, TimePoint now);
  void tick_backoff(Slot& slot, TimePoint now);
  void become_running(Slot& slot, TimePoint healthy_at);
  void probe_health(const std::vector<Slot*>& slots);
  void on_ready_probe(Slot& slot, const HealthResult& result, TimePoint at);
  void on_health_probe(Slot& slot, const HealthResult& result, TimePoint at);
  After after_no_health(const Slot& slot, HealthKind probe);
  void drop_removed();
  void begin_stop(Slot& slot, After after);
  void kill_after_stop_timeout(Slot& slot);
  void finish_when_port_free(Slot& slot, TimePoint now);
  void finish_stop(Slot& slot);
  void send_signal(const Slot& slot, int sig);
  bool noticed_exit(Slot& slot);
  void on_exit(Slot& slot, const ExitStatus& status);
  void on_failure(Slot& slot, const std::string& why);
  void on_unresponsive(Slot& slot, const std::string& why);
  void enter_backoff(Slot& slot, const std::string& why, Duration delay);
  bool process_gone(Slot& slot, std::optional<ExitStatus>* status);
  bool same_process(const Slot& slot);

  FleetDeps deps_;
  FleetOptions options_;
  std::map<std::string, Slot> slots_;
  std::deque<std::string> restart_queue_;
  std::optional<std::string> restarting_;
  bool restart_stop_done_ = false;
  bool pids_dir_unmakeable_ = false;  // said once: pids_dir is gone and cannot be made
};

}  // namespace ccproxy::supervisor
