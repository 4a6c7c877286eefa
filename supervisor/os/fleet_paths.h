#pragma once
// Where the supervisor keeps its files inside a home.

#include <filesystem>
#include <string>

#include "config/home.h"

namespace ccproxy::supervisor {

inline std::filesystem::path lock_path(const config::Home& h) {
  return h.pids_dir() / "supervisor.lock";
}
inline std::filesystem::path socket_path(const config::Home& h) {
  return h.pids_dir() / "ccproxy.sock";
}
inline std::filesystem::path supervisor_pid_path(const config::Home& h) {
  return h.pids_dir() / "supervisor.json";
}
inline std::filesystem::path worker_log_path(const config::Home& h, const std::string& name) {
  return h.logs_dir() / (name + ".log");
}
/// The pid-file stem reserved for the supervisor itself.
inline constexpr const char* kSupervisorRecord = "supervisor";

}  // namespace ccproxy::supervisor
