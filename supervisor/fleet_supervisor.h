#pragma once
/// FleetSupervisor is the supervisor's brain: one slot per profile, each a small state machine
/// (stopped → starting → running; crash → backoff → starting …; fatal after too many failures;
/// stopping → stopped). It is entirely passive: the caller calls tick() often enough (see
/// next_tick_in()) and forwards user requests. Processes, time, port owners and health come
/// through seams, so every rule here is tested with fakes.

#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/profile.h"
#include "supervisor/clock.h"
#include "supervisor/health_probe.h"
#include "supervisor/os/listener_lookup.h"
#include "supervisor/os/process_table.h"
#include "supervisor/restart_policy.h"
#include "supervisor/worker_state.h"

namespace ccproxy::supervisor {

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
  enum class After { none, start, remove, fail };
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
    int restarts = 0;
    std::optional<ExitStatus> last_exit;
    std::string message;
    After after = After::none;
    bool takeover = false;
    bool removing = false;
    bool pid_file_pending = false;  // spawned; pids/<name>.json not written yet
    RestartPolicy policy;
    explicit Slot(const config::SupervisorSettings& s) : policy(s) {}
  };

  void launch(Slot& slot);
  void spawn(Slot& slot);
  void begin_stop(Slot& slot, After after);
  void finish_stop(Slot& slot);
  void on_exit(Slot& slot, const ExitStatus& status);
  void on_failure(Slot& slot, const std::string& why);
  void set_state(Slot& slot, WorkerState state);
  bool process_gone(Slot& slot, std::optional<ExitStatus>* status);
  bool same_process(const Slot& slot);
  void remove_pid_file(const Slot& slot);
  void write_pending_pid_files();
  void advance_restarts();
  void log(const std::string& line) const;
  std::string label(const Slot& slot) const;

  FleetDeps deps_;
  FleetOptions options_;
  std::map<std::string, Slot> slots_;
  std::deque<std::string> restart_queue_;
  std::optional<std::string> restarting_;
  bool restart_stop_done_ = false;
};

}  // namespace ccproxy::supervisor
