#pragma once
// The states a worker is shown in, and what the supervisor reports about one worker.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "supervisor/os/process_table.h"

namespace ccproxy::supervisor {

enum class WorkerState {
  stopped,    // not running, not wanted
  starting,   // spawned, not yet ready (alive, port bound by it, /health 200)
  running,    // ready
  backoff,    // crashed; waiting before the next start
  stopping,   // SIGTERM sent, waiting for the process to go and the port to be free
  fatal,      // failed too often; stays down until start/restart
  unmanaged,  // a healthy worker of ours on its port whose supervisor is gone
  conflict,   // the port is held by another process
};

std::string_view state_name(WorkerState state);
std::optional<WorkerState> parse_state(std::string_view name);

/// The supervisor's view of one worker (sent over the control channel).
struct WorkerView {
  std::string name;
  std::uint16_t port = 0;
  int pid = 0;
  WorkerState state = WorkerState::stopped;
  int restarts = 0;
  std::optional<ExitStatus> last_exit;
  std::string message;   // why it is in conflict/fatal/backoff, or what it is doing
  bool adopted = false;  // not our child: taken over from an earlier supervisor
};

nlohmann::json to_json(const WorkerView& view);
WorkerView worker_view_from_json(const nlohmann::json& j);

}  // namespace ccproxy::supervisor
