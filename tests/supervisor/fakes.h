#pragma once
// Fakes for the supervisor's seams: a process table, a clock, a listener lookup and a health
// prober that tests drive by hand.

#include <signal.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "supervisor/clock.h"
#include "supervisor/health_probe.h"
#include "supervisor/os/listener_lookup.h"
#include "supervisor/os/process_table.h"

namespace ccproxy::supervisor::testing {

class FakeClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void advance(Duration d) { now_ += d; }

 private:
  TimePoint now_ = TimePoint{} + std::chrono::hours(1000);
};

class FakeProcessTable final : public ProcessTable {
 public:
  struct Proc {
    bool alive = true;
    bool child = false;
    bool reaped = false;
    ProcessIdentity id;
    std::optional<ExitStatus> exit;
  };
  struct Signal {
    int pid;
    int sig;
    bool group;
  };

  /// Children that exit between the supervisor's waitpid and its next look at them.
  std::map<int, ExitStatus> exits_just_after_waitpid;
  /// Exited children waitpid cannot reap yet (a thread-group leader whose other threads are
  /// still ending): they exist as zombies until taken out of this set.
  std::set<int> not_yet_reapable;
  // What a spawned process does on SIGTERM: exit (default) or ignore it.
  bool exit_on_term = true;
  bool fail_spawn = false;

  Result<int> spawn(const SpawnSpec& spec) override {
    if (fail_spawn) {
      return fail(std::string("spawn failed"));
    }
    int pid = next_pid_++;
    Proc p;
    p.child = true;
    p.id.start_time = static_cast<std::uint64_t>(pid) * 7;
    p.id.boot_id = "boot";
    p.id.cmdline = spec.argv;
    p.id.exe = spec.argv.empty() ? "" : spec.argv[0];
    procs[pid] = p;
    spawned.push_back(pid);
    spawn_env.push_back(spec.env);
    return pid;
  }
  bool signal_group(int pid, int sig) override { return deliver(pid, sig, true); }
  bool signal_one(int pid, int sig) override { return deliver(pid, sig, false); }
  bool alive(int pid) override {
    auto it = procs.find(pid);
    return it != procs.end() && it->second.alive;
  }
  bool exists(int pid) override {
    auto it = procs.find(pid);
    return it != procs.end() && !it->second.reaped;
  }
  std::optional<ProcessIdentity> identity(int pid) override {
    auto it = procs.find(pid);
    if (it == procs.end() || it->second.reaped) {
      return std::nullopt;
    }
    return it->second.id;
  }
  std::optional<ExitStatus> reap(int pid) override {
    auto it = procs.find(pid);
    if (it != procs.end() && it->second.alive && exits_just_after_waitpid.count(pid) != 0) {
      // The race: waitpid found it running, and it exits right after.
      exit(pid, exits_just_after_waitpid[pid]);
      exits_just_after_waitpid.erase(pid);
      return std::nullopt;
    }
    if (it == procs.end() || !it->second.child || it->second.alive || it->second.reaped ||
        not_yet_reapable.count(pid) != 0) {
      return std::nullopt;
    }
    it->second.reaped = true;
    return it->second.exit;
  }

  /// A process that is not ours (e.g. `python3 start_proxy.py`).
  int add_foreign(std::vector<std::string> cmdline) {
    int pid = next_pid_++;
    Proc p;
    p.id.start_time = static_cast<std::uint64_t>(pid) * 7;
    p.id.boot_id = "boot";
    p.id.exe = cmdline.empty() ? "" : cmdline[0];
    p.id.cmdline = std::move(cmdline);
    procs[pid] = p;
    return pid;
  }
  void exit(int pid, ExitStatus status) {
    procs[pid].alive = false;
    procs[pid].exit = status;
  }
  int signals_to(int pid) const {
    int n = 0;
    for (const auto& s : signals) {
      n += s.pid == pid ? 1 : 0;
    }
    return n;
  }
  bool got(int pid, int sig) const {
    for (const auto& s : signals) {
      if (s.pid == pid && s.sig == sig) {
        return true;
      }
    }
    return false;
  }

  std::map<int, Proc> procs;
  std::vector<int> spawned;
  std::vector<std::vector<std::pair<std::string, std::string>>> spawn_env;  // per spawn
  std::vector<Signal> signals;

 private:
  bool deliver(int pid, int sig, bool group) {
    signals.push_back({pid, sig, group});
    auto it = procs.find(pid);
    if (it == procs.end() || !it->second.alive) {
      return false;
    }
    if (sig == SIGKILL || (sig == SIGTERM && exit_on_term)) {
      ExitStatus st;
      st.signaled = true;
      st.code = sig;
      exit(pid, st);
    }
    return true;
  }
  int next_pid_ = 1000;
};

/// Port -> owner pid; the port is listened on while that pid is alive. pid -1: a listener
/// whose owner we cannot see.
class FakeListeners final : public ListenerLookup {
 public:
  explicit FakeListeners(FakeProcessTable& procs) : procs_(procs) {}
  PortHolder who_listens(std::uint16_t port, int hint = 0) override {
    PortHolder h;
    if (hint > 0 && sharing[port].count(hint) != 0 && procs_.alive(hint)) {
      h.listening = true;
      h.pid = hint;
      return h;
    }
    auto it = owners.find(port);
    if (it == owners.end()) {
      return h;
    }
    if (it->second == -1) {
      h.listening = true;
      return h;
    }
    if (procs_.alive(it->second)) {
      h.listening = true;
      h.pid = it->second;
    }
    return h;
  }
  std::map<std::uint16_t, int> owners;
  /// Further listeners of a port beside its owner (SO_REUSEPORT), found by their hint only.
  std::map<std::uint16_t, std::set<int>> sharing;

 private:
  FakeProcessTable& procs_;
};

/// Health by port; unknown ports are refused.
class FakeProber final : public HealthProber {
 public:
  std::vector<HealthResult> probe(const std::vector<ProbeTarget>& targets,
                                  std::chrono::milliseconds) override {
    std::vector<HealthResult> out;
    for (const auto& t : targets) {
      ++probes;
      HealthResult r;
      auto it = health.find(t.port);
      r.kind = it == health.end() ? HealthKind::refused : it->second;
      r.http_status = r.kind == HealthKind::ok ? 200 : 0;
      out.push_back(r);
    }
    return out;
  }
  std::map<std::uint16_t, HealthKind> health;
  int probes = 0;
};

}  // namespace ccproxy::supervisor::testing
