#pragma once
// Pid files: pids/<name>.json says which process is (or was) a profile's worker — pid, start
// time, boot id, command line, executable, port. Written atomically (temp file, fsync, rename,
// fsync of the directory) so a crash never leaves half a file. Before any signal the record is
// checked against the process as the ProcessTable sees it now (check_identity): a pid that now
// belongs to another process, or whose process is not ours (own_command.h), is never signalled.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "supervisor/os/proc_info.h"

namespace ccproxy::supervisor {

class ProcessTable;

struct PidRecord {
  int pid = 0;
  std::string profile;  // profile name, or "supervisor"
  std::uint16_t port = 0;
  ProcessIdentity identity;
  /// The pid file it was read from (not stored in it); empty for a record made in memory.
  /// Its name says whose record it is, its directory (pids/) which home's.
  std::filesystem::path file{};
};

/// Writes the record as JSON to path atomically, 0600, through a new temp file next to it (a
/// link found at the temp name is removed, never followed).
Result<void> write_pid_file(const std::filesystem::path& path, const PidRecord& record);

/// nullopt when missing; an error when unreadable or malformed. Sets `file` to `path`.
Result<std::optional<PidRecord>> read_pid_file(const std::filesystem::path& path);

enum class IdentityCheck {
  same,      // the recorded process is alive, is the same process, and is ours
  gone,      // no such pid any more (or it exited)
  reused,    // the pid exists but is another process (start time, boot or command line differ)
  not_ours,  // the recorded process itself, but not our worker (a forged or foreign record)
};

/// same only when the record names the live process (start time, boot id, command line) and
/// that process is ours: for a record read from pids/NAME.json of a home, this executable
/// running `--home <that home> run --profile NAME` (or, for pids/supervisor.json, a supervisor
/// of that home; own_command.h). A record made in memory (no `file`) names a process this
/// program recorded itself; it is checked against its identity only.
IdentityCheck check_identity(const PidRecord& record, ProcessTable& procs);

/// The same, with the command line our process must run given (the supervisor's own spawn
/// command for the profile; runs_command()).
IdentityCheck check_identity(const PidRecord& record, ProcessTable& procs,
                             const std::vector<std::string>& command);

/// "pid 123 is gone" / "pid 123 now belongs to another process (sleep 60)" /
/// "pid 123 is not a ccproxy process of this home (sleep 60)".
std::string describe_identity(IdentityCheck check, const PidRecord& record, ProcessTable& procs);

/// pids/<name>.json for a profile.
std::filesystem::path pid_file_path(const std::filesystem::path& pids_dir, const std::string& name);

}  // namespace ccproxy::supervisor
