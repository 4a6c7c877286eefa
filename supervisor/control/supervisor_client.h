#pragma once
// The CLI side of the supervisor: is one running for this home, ask it something, start one in
// the background (double fork, new session, output to logs/ccproxy.log).

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "config/home.h"
#include "supervisor/control/control_protocol.h"

namespace ccproxy::supervisor {

/// The typed requests of control_protocol.h, each sent by ask_supervisor.
/// A refusal, no answer, or an answer not understood is a ControlError.
class SupervisorClient {
 public:
  using Timeout = std::chrono::milliseconds;
  static constexpr Timeout kDefaultTimeout{3'000};

  explicit SupervisorClient(config::Home home) : home_(std::move(home)) {}

  Result<StatusReply, ControlError> status(Timeout timeout = kDefaultTimeout) const;
  Result<StartReply, ControlError> start(StartRequest request,
                                         Timeout timeout = kDefaultTimeout) const;
  /// Empty names: every worker, then the supervisor exits.
  Result<StopReply, ControlError> stop(std::vector<std::string> names,
                                       Timeout timeout = kDefaultTimeout) const;
  Result<RestartReply, ControlError> restart(std::vector<std::string> names,
                                             Timeout timeout = kDefaultTimeout) const;
  /// Empty names: every profile.
  Result<ReloadReply, ControlError> reload(Timeout timeout = kDefaultTimeout,
                                           std::vector<std::string> names = {}) const;

 private:
  template <typename Reply>
  Result<Reply, ControlError> ask(const ControlRequest& request, Timeout timeout) const;

  config::Home home_;
};

/// True when a supervisor holds this home's lock.
bool supervisor_running(const config::Home& home);

/// The abstract name the supervisor of `home` serves its control channel on besides
/// pids/ccproxy.sock: "ccproxy-control-<sha256 of the canonical home>" (os/abstract_socket.h).
std::string control_socket_name(const config::Home& home);

/// One request over pids/ccproxy.sock, or when that is gone over control_socket_name(home), as
/// JSON (SupervisorClient sends the typed ones).
Result<nlohmann::json> ask_supervisor(const config::Home& home, const nlohmann::json& request,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(3));

/// Starts `ccproxy --home HOME supervise` detached from us and waits until it answers on its
/// socket (or `timeout`). Succeeds too when another supervisor won the race.
Result<void> launch_supervisor(const config::Home& home, std::chrono::milliseconds timeout);

/// Waits until the running supervisor answers on its socket (or `timeout`).
Result<void> wait_for_supervisor(const config::Home& home, std::chrono::milliseconds timeout);

/// A supervisor that answers: launches one when none holds the lock, and waits for one that
/// holds it but is still starting (a concurrent `start` won the race).
Result<void> ensure_supervisor(const config::Home& home, std::chrono::milliseconds timeout);

/// The supervisor's pid from pids/supervisor.json when that record still matches the process;
/// without that file, the pid serving control_socket_name(home) when it runs as this home's
/// supervisor (os/own_command.h).
std::optional<int> verified_supervisor_pid(const config::Home& home);

}  // namespace ccproxy::supervisor
