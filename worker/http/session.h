#pragma once
// One client connection: reads requests one at a time (so pipelined requests are answered in
// order), routes them, writes the answers. Guards against slow or oversized requests.
// Internal to the worker (includes Asio).

#include <chrono>
#include <optional>
#include <string>

#include "worker/http/client_channel.h"
#include "worker/http/session_registry.h"
#include "worker/http/simple_response.h"
#include "worker/http/worker_context.h"
#include "worker/watchdog.h"

namespace ccproxy::worker {

/// One request while it is read and answered (request_in_progress.h).
struct RequestInProgress;

class Session final : public ClientChannel {
 public:
  Session(WorkerContext& ctx, SessionRegistry& registry, tcp::socket socket);
  ~Session() override;

  /// Serves requests until the client leaves, a request asks to close, or shutdown.
  asio::awaitable<void> run();

  asio::awaitable<bool> write(std::string_view bytes) override;
  asio::awaitable<ClientEnd> wait_for_disconnect() override;
  bool input_finished() override;
  std::optional<std::chrono::steady_clock::time_point> first_write() const override {
    return first_write_;
  }

  /// Waiting for the next request (nothing in flight).
  bool idle() const { return idle_; }
  /// Connected, no request read yet.
  bool fresh() const { return fresh_; }
  /// Bytes wait in the socket, not read yet: an idle connection's next request has come.
  bool has_unread_bytes() const;
  /// Reading a request's head: its first bytes came, not yet all of it.
  bool reading_head() const { return head_started_.has_value() && socket_.is_open(); }
  /// When the head being read began (only while reading_head()).
  std::chrono::steady_clock::time_point head_started() const { return *head_started_; }
  /// The registry is under pressure: the head being read, if any, gets the short deadline.
  void hurry_head();
  void close();

 private:
  /// Reads one request and answers it. false: close the connection.
  asio::awaitable<bool> serve_one();
  /// Reads until the request's head is parsed or found bad (r.parse_error); false when the
  /// connection ended first (closed, reset, or the header timeout).
  asio::awaitable<bool> read_head(RequestInProgress& r);
  /// The first bytes of a head are here: its deadline runs from now.
  void start_head();
  /// Arms the deadline of the head being read: kHeaderTimeout after its first byte, the
  /// shorter kHeaderTimeoutUnderPressure while the registry is under pressure.
  void arm_head_deadline(std::chrono::steady_clock::time_point deadline);
  /// Counts the request and takes what the handlers use from its head.
  void start_request(RequestInProgress& r);
  /// The answer to a request that is answered without reading its body: a bad head, an unknown
  /// route or method, a probe (/health, /metrics, /), a missing or wrong client key.
  std::optional<SimpleResponse> answer_without_body(const RequestInProgress& r) const;
  /// Reads the body of an API request; false when the client left or stalled (counted as 499).
  asio::awaitable<bool> read_body(RequestInProgress& r);
  /// The rest of a body whose Content-Length is known, read straight into `body`.
  asio::awaitable<bool> read_sized_body(std::string& body, std::size_t length);
  /// The rest of the body through the parser (chunked, or a body without a length).
  asio::awaitable<bool> read_parsed_body(RequestInProgress& r);
  /// receive() under the body's idle timeout; false (counted as 499) when it failed.
  asio::awaitable<bool> receive_body_part(std::string* body = nullptr, std::size_t length = 0);
  /// count_tokens or /v1/messages, once the body is read.
  asio::awaitable<bool> serve_api_request(RequestInProgress& r);
  asio::awaitable<void> linger_close();
  /// Reads what the client sent into the thread's shared read buffer, waiting until something
  /// (or EOF) arrives; `*got` is the number of bytes read. They must be consumed before the next
  /// suspension point.
  asio::awaitable<error_code> receive_shared(std::size_t* got);
  /// Appends what the client sent to inbuf_, waiting until something (or EOF) arrives. With
  /// `body`, bytes go to `*body` first, until it holds `length`.
  asio::awaitable<error_code> receive(std::string* body = nullptr, std::size_t length = 0);
  /// Writes one complete response; false when the connection must close afterwards. `drain`:
  /// the request's body was left unread, so the connection closes after the answer.
  asio::awaitable<bool> answer(const RequestInProgress& r, SimpleResponse& response, bool head_only,
                               bool drain);

  WorkerContext& ctx_;
  SessionRegistry& registry_;
  uint64_t connection_id_ = 0;
  tcp::socket socket_;
  std::string inbuf_;  // received, not yet parsed (pipelined requests)
  Watchdog read_watchdog_;
  Watchdog write_watchdog_;
  bool idle_ = true;
  bool fresh_ = true;
  std::optional<std::chrono::steady_clock::time_point> head_started_;
  // When the first byte of the current API request's answer went out (first_write()).
  std::optional<std::chrono::steady_clock::time_point> first_write_;
  std::chrono::steady_clock::time_point head_deadline_;
};

}  // namespace ccproxy::worker
