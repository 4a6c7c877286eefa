#pragma once
// Pid files: pids/<name>.json says which process is (or was) a profile's worker — pid, start
// time, boot id, command line, port. Written atomically (temp file, fsync, rename, fsync of the
// directory) so a crash never leaves half a file. Before any signal the record is checked against
// /proc: a pid that now belongs to another process is never signalled.

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
};

/// Writes the record as JSON to path atomically. 0600.
Result<void> write_pid_file(const std::filesystem::path& path, const PidRecord& record);

/// nullopt when missing; an error when unreadable or malformed.
Result<std::optional<PidRecord>> read_pid_file(const std::filesystem::path& path);

enum class IdentityCheck {
  same,    // the recorded process is alive and is the same process
  gone,    // no such pid any more (or it exited)
  reused,  // the pid exists but is another process (start time, boot or command line differ)
};

IdentityCheck check_identity(const PidRecord& record, ProcessTable& procs);

/// "pid 123 is gone" / "pid 123 now belongs to another process (sleep 60)".
std::string describe_identity(IdentityCheck check, const PidRecord& record, ProcessTable& procs);

/// pids/<name>.json for a profile.
std::filesystem::path pid_file_path(const std::filesystem::path& pids_dir, const std::string& name);

}  // namespace ccproxy::supervisor
