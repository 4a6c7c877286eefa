#pragma once
// ProcessTable: every way the supervisor touches worker processes — spawn, signal a process group
// or one process, ask whether a pid lives, read its identity, reap an exited child. Abstract so
// that FleetSupervisor's rules are tested with a fake table (tests/supervisor/fakes.h);
// RealProcessTable uses Boost.Process, kill/waitpid and /proc.

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "supervisor/os/proc_info.h"

namespace ccproxy::supervisor {

/// How a child ended: an exit code or a signal.
struct ExitStatus {
  bool signaled = false;
  int code = 0;       // exit code, or the signal number when signaled
  bool known = true;  // false for adopted processes (not our child: no status to read)

  /// "exit 1", "signal 9 (SIGKILL)", "exited (status unknown)".
  std::string str() const;
};

/// Set to "1" in the environment of a worker started beside the one it replaces: it binds its
/// port next to that worker's listener (SO_REUSEPORT) instead of refusing a busy port.
inline constexpr const char* kHandoverVariable = "CCPROXY_HANDOVER";

struct SpawnSpec {
  std::vector<std::string> argv;   // argv[0] is an absolute path
  std::filesystem::path log_file;  // stdout and stderr, opened for append (0600)
  std::vector<std::pair<std::string, std::string>> env;  // added to the inherited environment
};

class ProcessTable {
 public:
  virtual ~ProcessTable() = default;
  /// Starts argv in a new session (its own process group), stdin /dev/null, output appended to
  /// the log file. Returns the pid once the program is executing.
  virtual Result<int> spawn(const SpawnSpec& spec) = 0;
  /// kill(-pid, sig) when the process leads its group, else kill(pid, sig). False on failure.
  virtual bool signal_group(int pid, int sig) = 0;
  /// kill(pid, sig) on that process only.
  virtual bool signal_one(int pid, int sig) = 0;
  /// Exists and has not exited (zombies count as dead).
  virtual bool alive(int pid) = 0;
  /// Exists at all, zombies included (kill(pid, 0) finds it).
  virtual bool exists(int pid) = 0;
  virtual std::optional<ProcessIdentity> identity(int pid) = 0;
  /// For our own children: the exit status once it exited (reaps it); nullopt while running
  /// or when pid is not our child.
  virtual std::optional<ExitStatus> reap(int pid) = 0;
};

class RealProcessTable final : public ProcessTable {
 public:
  Result<int> spawn(const SpawnSpec& spec) override;
  bool signal_group(int pid, int sig) override;
  bool signal_one(int pid, int sig) override;
  bool alive(int pid) override;
  bool exists(int pid) override;
  std::optional<ProcessIdentity> identity(int pid) override;
  std::optional<ExitStatus> reap(int pid) override;
};

/// In a child between fork and exec: closes every fd above stderr that would survive the exec
/// (no FD_CLOEXEC), so nothing the parent inherited leaks into the new program.
void close_inherited_fds();

/// "SIGKILL" for 9; "signal 42" when unnamed.
std::string signal_name(int sig);

}  // namespace ccproxy::supervisor
