#pragma once
// What every connection of one worker shares: settings, logger, metrics, the upstream client
// and the shutdown state. One io_context, one thread: plain members, no locks.
// Internal to the worker (includes Asio via upstream_client.h).

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "worker/metrics.h"
#include "worker/upstream/retry_policy.h"
#include "worker/upstream/client.h"
#include "worker/worker_config.h"

namespace spdlog {
class logger;
}

namespace ccproxy::worker {

struct WorkerContext {
  const WorkerConfig& config;
  std::shared_ptr<spdlog::logger> log;
  UpstreamClient& upstream;
  RetryDecider retry;
  Metrics metrics;
  uint16_t port = 0;
  bool shutting_down = false;
  // /v1/messages and count_tokens requests taken so far. Probes (/health, /metrics, HEAD /) are
  // not counted: the supervisor's health checks must not keep a worker from counting as idle.
  uint64_t api_requests = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

/// The client side of one request, as the handlers see it.
class ClientChannel {
 public:
  virtual ~ClientChannel() = default;
  /// Writes all bytes; false when the client is gone.
  virtual asio::awaitable<bool> write(std::string_view bytes) = 0;
  /// Completes with true when the client closes or resets its connection, with false when
  /// cancelled. Bytes it sends meanwhile (a pipelined next request) are kept for later.
  virtual asio::awaitable<bool> wait_for_disconnect() = 0;
};

/// The parts of a client request the handlers use.
struct IncomingRequest {
  std::string id;  // req_...
  std::string body;
  std::string x_api_key;
  std::string authorization;
  std::string anthropic_beta;
  bool keep_alive = true;
  std::chrono::steady_clock::time_point started;
};

/// How the handler left the connection.
struct HandlerOutcome {
  int status = 200;
  bool close_connection = false;  // a cut stream or a failed write
};

/// POST /v1/messages: convert, call the upstream (with retries), answer or stream back.
asio::awaitable<HandlerOutcome> handle_messages(WorkerContext& ctx, ClientChannel& client,
                                                IncomingRequest& request);

}  // namespace ccproxy::worker
