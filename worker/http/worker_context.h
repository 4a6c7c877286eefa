#pragma once
// What every connection of one worker shares: settings, logger, metrics, the upstream clients,
// the pool's health and the shutdown state. One io_context, one thread: plain members, no locks.
// Internal to the worker (includes Asio through worker/upstream/client.h).

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "worker/metrics.h"
#include "worker/upstream/client.h"
#include "worker/upstream/pool.h"
#include "worker/upstream/retry_policy.h"
#include "worker/worker_config.h"

namespace spdlog {
class logger;
}
namespace ccproxy::usage {
class LedgerWriter;
}

namespace ccproxy::worker {

struct WorkerContext {
  const WorkerConfig& config;
  std::shared_ptr<spdlog::logger> log;
  /// One client (with its keep-alive connections) per upstream, in profile order.
  std::vector<std::unique_ptr<UpstreamClient>>& upstreams;
  UpstreamPool& pool;
  RetryDecider retry;
  Metrics metrics;
  uint16_t port = 0;
  // Where each /v1/messages request's usage row goes; null: no ledger.
  usage::LedgerWriter* ledger = nullptr;
  bool shutting_down = false;
  // /v1/messages and count_tokens requests taken so far. Probes (/health, /metrics, HEAD /) are
  // not counted: the supervisor's health checks must not keep a worker from counting as idle.
  uint64_t api_requests = 0;
  uint64_t connections_accepted = 0;  // numbers client connections (session stickiness)
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  /// Idle keep-alive connections over every upstream.
  std::size_t idle_connections() const {
    std::size_t n = 0;
    for (const auto& u : upstreams) {
      n += u->pool().idle_count();
    }
    return n;
  }
  void sweep_connections() {
    for (auto& u : upstreams) {
      u->pool().sweep();
    }
  }
  void close_idle_connections() {
    for (auto& u : upstreams) {
      u->pool().clear();
    }
  }
};

}  // namespace ccproxy::worker
