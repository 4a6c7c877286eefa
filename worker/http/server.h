#pragma once
// The worker: an HTTP server speaking the Anthropic Messages API on one port, backed by one
// upstream provider. Runs on the calling thread (one io_context) until SIGTERM/SIGINT.
// This header is deliberately free of Asio/Beast so that cmd/ compiles fast.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "worker/worker_config.h"

namespace spdlog {
class logger;
}
namespace ccproxy::usage {
class LedgerWriter;
}

namespace ccproxy::worker {

struct WorkerHooks {
  /// Called once the socket is bound and listening (port is the real one when config.port is 0).
  std::function<void(const std::string& host, uint16_t port)> on_listening;
  /// The usage ledger every /v1/messages request is recorded in; null: none. Outlives the call.
  usage::LedgerWriter* ledger = nullptr;
  /// Bind beside a worker of ours that still listens on the port (the supervisor's handover);
  /// otherwise a port somebody listens on is refused.
  bool successor = false;
};

/// Serves until SIGTERM or SIGINT: then stops accepting, closes idle connections, lets open
/// requests and streams finish for config.shutdown_grace, closes the rest and returns 0.
/// SIGUSR2 hands the port over to a successor listening beside it (see listener.h), then
/// drains the same way.
/// Returns 1 (after logging why) when it cannot start: port in use, bad base_url, bad proxy,
/// unreadable ca_file.
int run_worker(const WorkerConfig& config, std::shared_ptr<spdlog::logger> log,
               const WorkerHooks& hooks = {});

}  // namespace ccproxy::worker
