#pragma once
// The CLI side of the supervisor: is one running for this home, ask it something, start one in
// the background (double fork, new session, output to logs/ccproxy.log).

#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "config/profile.h"

namespace ccproxy::supervisor {

/// True when a supervisor holds this home's lock.
bool supervisor_running(const config::Home& home);

/// One request over pids/ccproxy.sock.
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

/// The supervisor's pid from pids/supervisor.json when that record still matches the process.
std::optional<int> verified_supervisor_pid(const config::Home& home);

}  // namespace ccproxy::supervisor
