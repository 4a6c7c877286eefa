#pragma once
// One client connection: reads requests one at a time (so pipelined requests are answered in
// order), routes them, writes the answers. Guards against slow or oversized requests.
// Internal to the worker (includes Asio).

#include <functional>
#include <set>
#include <string>

#include "worker/http/routes.h"
#include "worker/watchdog.h"
#include "worker/worker_context.h"

namespace ccproxy::worker {

class Session;

/// The open connections, so that a shutdown can close idle ones at once and the rest when the
/// grace period ends.
class SessionRegistry {
 public:
  void add(Session* s) { sessions_.insert(s); }
  void remove(Session* s);
  void close_idle();
  void close_all();
  bool empty() const { return sessions_.empty(); }
  /// Called when the last session is gone.
  std::function<void()> on_empty;

 private:
  std::set<Session*> sessions_;
};

class Session final : public ClientChannel {
 public:
  Session(WorkerContext& ctx, SessionRegistry& registry, tcp::socket socket);
  ~Session() override;

  /// Serves requests until the client leaves, a request asks to close, or shutdown.
  asio::awaitable<void> run();

  asio::awaitable<bool> write(std::string_view bytes) override;
  asio::awaitable<bool> wait_for_disconnect() override;

  /// Waiting for the next request (nothing in flight).
  bool idle() const { return idle_; }
  void close();

 private:
  asio::awaitable<bool> serve_one();
  asio::awaitable<void> linger_close();
  /// Reads what the client sent into the thread's shared read buffer, waiting until something
  /// (or EOF) arrives; `*got` is the number of bytes read. They must be consumed before the next
  /// suspension point.
  asio::awaitable<error_code> receive_shared(std::size_t* got);
  /// Appends what the client sent to inbuf_, waiting until something (or EOF) arrives. With
  /// `body`, bytes go to `*body` first, until it holds `length`.
  asio::awaitable<error_code> receive(std::string* body = nullptr, std::size_t length = 0);
  /// Writes one complete response; false when the connection must close afterwards.
  asio::awaitable<bool> answer(const IncomingRequest& req, const std::string& method,
                               const std::string& target, SimpleResponse& response, bool head_only,
                               bool drain, bool keep_alive);

  WorkerContext& ctx_;
  SessionRegistry& registry_;
  tcp::socket socket_;
  std::string inbuf_;  // received, not yet parsed (pipelined requests)
  Watchdog read_watchdog_;
  Watchdog write_watchdog_;
  bool idle_ = true;
};

}  // namespace ccproxy::worker
