#pragma once
// Talking HTTP/1.1 to the provider: how a request is written, and one attempt at it (a
// connection from the pool or a new one, the request sent, the response head read, then the
// body as it arrives) under the connect / first-byte / idle / total timeouts. Retries are the
// caller's decision (retry_policy.h). Internal to the worker (includes Asio).

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worker/upstream/connection_pool.h"
#include "worker/upstream/response_parser.h"
#include "worker/watchdog.h"
#include "worker/worker_config.h"

namespace ccproxy::worker {

/// Links one client request to whatever its upstream attempt is waiting on, so that a client
/// that goes away (or a shutdown) aborts the upstream work at once.
struct CallGuard {
  bool cancelled = false;
  /// Called just before the request is written to the upstream (by each attempt).
  std::function<void()> before_send;
  std::function<void()> abort;  // set while an upstream operation is pending

  void cancel() {
    cancelled = true;
    if (abort) {
      auto a = abort;
      a();
    }
  }
};

/// One request for the upstream: head and body, written together without being joined.
struct OutgoingRequest {
  std::string head;
  std::string body;
  /// Text that goes at byte `splice_at` of `body` (a stored tool list, shared, not copied).
  std::shared_ptr<const std::string> spliced;
  std::size_t splice_at = 0;
};

class UpstreamClient {
 public:
  /// One upstream of the pool, with its own keep-alive connections.
  UpstreamClient(const UpstreamConfig& config, UpstreamEndpoint endpoint,
                 std::optional<ProxyEndpoint> proxy);

  /// The request for `body` (taken over, not copied), with `spliced` at byte `splice_at` of
  /// it when set, sent with key number `key`. `anthropic_beta` is forwarded in pass-through.
  OutgoingRequest build_request(std::string body, bool stream, std::string_view anthropic_beta,
                                std::size_t key = 0,
                                std::shared_ptr<const std::string> spliced = nullptr,
                                std::size_t splice_at = 0) const;
  /// The head of `request` again, for key number `key` (another key of the same upstream).
  void set_key(OutgoingRequest& request, bool stream, std::string_view anthropic_beta,
               std::size_t key) const;

  const UpstreamConfig& config() const { return config_; }
  /// Whose rules a request to `upstream_model` follows here (providers::resolve_provider),
  /// looked up for this upstream's own models, worked out for any other.
  Provider provider_for(std::string_view upstream_model) const;
  const UpstreamEndpoint& endpoint() const { return endpoint_; }
  const std::optional<ProxyEndpoint>& proxy() const { return proxy_; }
  /// The TLS client context, built on first use: an idle worker, or one with a plain-HTTP
  /// upstream, never loads OpenSSL's algorithms or the trust store (about 4 MB of RSS).
  Result<asio::ssl::context*, std::string> tls();
  ConnectionPool& pool() { return pool_; }
  const std::string& pool_key() const { return pool_key_; }

 private:
  /// The request head up to (not including) Content-Length.
  std::string head_before_length(bool stream, std::string_view anthropic_beta,
                                 std::size_t key) const;
  std::string head(std::size_t content_length, bool stream, std::string_view anthropic_beta,
                   std::size_t key) const;

  const UpstreamConfig& config_;
  UpstreamEndpoint endpoint_;
  std::optional<ProxyEndpoint> proxy_;
  std::unique_ptr<asio::ssl::context> tls_;
  ConnectionPool pool_;
  std::string pool_key_;
  /// resolve_provider of each model the upstream's tiers name, made once.
  std::vector<std::pair<std::string, Provider>> model_providers_;
  /// head_before_length without anthropic-beta, per key: [0] JSON, [1] stream.
  std::vector<std::array<std::string, 2>> heads_;
};

class UpstreamExchange {
 public:
  using Clock = std::chrono::steady_clock;

  /// One attempt. A pooled connection that turns out dead before any response byte is
  /// replaced by a fresh one transparently (once).
  static asio::awaitable<Result<std::unique_ptr<UpstreamExchange>, UpstreamFailure>> open(
      UpstreamClient& client, const OutgoingRequest& request, Clock::time_point total_deadline,
      CallGuard& guard);

  UpstreamExchange(UpstreamClient& client, std::unique_ptr<UpstreamConnection> connection,
                   Clock::time_point total_deadline, CallGuard& guard);
  /// Returns the connection to the pool when the response was read completely and the
  /// upstream allows keep-alive; closes it otherwise.
  ~UpstreamExchange();
  UpstreamExchange(const UpstreamExchange&) = delete;
  UpstreamExchange& operator=(const UpstreamExchange&) = delete;

  int status() const { return parser_.status(); }
  const HttpResponseParser& response() const { return parser_; }
  bool reused_connection() const;

  /// Body bytes that arrived with the response head and have not been read yet: the next
  /// read_body returns them without waiting.
  bool has_buffered_body() const { return !pending_body_.empty(); }
  /// Appends the next body bytes to `out`. true: more may follow; false: the body is complete.
  asio::awaitable<Result<bool, UpstreamFailure>> read_body(std::string& out);
  /// The whole body (error bodies, non-streaming responses), at most `limit` bytes.
  asio::awaitable<Result<std::string, UpstreamFailure>> read_all(std::size_t limit);

 private:
  /// Writes the request and reads the response head.
  asio::awaitable<Result<void, UpstreamFailure>> send(const OutgoingRequest& request);
  UpstreamFailure timeout_or(FailureKind op_timeout, FailureKind otherwise, std::string detail,
                             bool got_bytes) const;
  Clock::time_point deadline_after(std::chrono::milliseconds timeout) const;

  UpstreamClient& client_;
  std::unique_ptr<UpstreamConnection> conn_;
  Clock::time_point total_deadline_;
  CallGuard& guard_;
  HttpResponseParser parser_;
  std::string pending_body_;
  bool broken_ = false;
  Watchdog watchdog_;  // last: destroyed first, while conn_ still exists
};

}  // namespace ccproxy::worker
