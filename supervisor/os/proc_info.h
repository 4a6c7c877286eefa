#pragma once
// What /proc says about one process: its start time (field 22 of /proc/<pid>/stat, clock ticks
// since boot), its command line, its executable and whether it is a zombie. Together with the
// boot id this is a process identity that a reused pid cannot fake; whose process it is (ours,
// for this home) is own_command.h's question.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ccproxy::supervisor {

struct ProcessIdentity {
  std::uint64_t start_time = 0;      // clock ticks after boot
  std::string boot_id;               // /proc/sys/kernel/random/boot_id
  std::vector<std::string> cmdline;  // argv as the kernel has it
  std::string exe;                   // /proc/<pid>/exe ("" when unreadable)

  bool operator==(const ProcessIdentity&) const = default;
};

/// argv joined with spaces, for messages: "python3 start_proxy.py".
std::string display_cmdline(const std::vector<std::string>& argv);

/// The boot id of the running kernel ("" when unreadable).
std::string current_boot_id();

/// nullopt when the process does not exist (or is unreadable).
std::optional<ProcessIdentity> read_identity(int pid);

/// True when /proc/<pid>/stat shows state Z (exited, not yet reaped).
bool is_zombie(int pid);

/// Parses the text of /proc/<pid>/stat: start time (field 22) and state (field 3).
struct StatFields {
  char state = '?';
  std::uint64_t start_time = 0;
};
std::optional<StatFields> parse_stat(const std::string& stat_text);

/// Seconds the process has been running (from its start time and the boot time), or nullopt.
std::optional<std::chrono::seconds> process_uptime(int pid);

/// Absolute path of the running executable (/proc/self/exe, " (deleted)" stripped).
std::filesystem::path self_executable();

/// The same for another process (/proc/<pid>/exe); empty when unreadable.
std::filesystem::path executable_of(int pid);

}  // namespace ccproxy::supervisor
