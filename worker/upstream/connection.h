#pragma once
// One connection to the upstream (plain TCP or TLS over TCP, possibly through an HTTP proxy
// tunnel) and how it is opened; connection_pool.h keeps idle ones. Internal to the worker
// (includes Asio).

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "common/result.h"
#include "worker/upstream/failure.h"
#include "worker/upstream/proxy_settings.h"
#include "worker/upstream/url.h"

namespace ccproxy::worker {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

class UpstreamConnection {
 public:
  explicit UpstreamConnection(tcp::socket socket);
  ~UpstreamConnection();

  /// Wraps the (connected, maybe tunnelled) socket in TLS; call before handshake().
  void start_tls(asio::ssl::context& context);
  bool tls() const { return tls_ != nullptr; }

  /// Waits until bytes (or EOF) arrive and reads what is there. The view is valid only until
  /// the caller's next suspension point: plain connections read into the thread's shared
  /// buffer (read_buffer.h), so an idle stream holds no buffer of its own.
  asio::awaitable<std::tuple<error_code, std::string_view>> read_available();
  /// Writes the parts in order (one writev on a plain socket): a request head and its body,
  /// the body possibly in pieces.
  asio::awaitable<std::tuple<error_code, std::size_t>> write_all(
      std::array<std::string_view, 4> parts);
  asio::awaitable<error_code> handshake(const std::string& host);

  /// Closes the TCP socket now: every pending operation fails promptly.
  void close();
  bool is_open();
  /// The certificate verification error after a failed handshake ("" when none).
  std::string verify_error();
  /// An idle pooled connection that has data or EOF waiting is not reusable.
  bool looks_reusable();
  tcp::socket& socket();

  bool reused = false;
  std::chrono::steady_clock::time_point idle_since;

 private:
  std::optional<tcp::socket> plain_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
  std::unique_ptr<char[]> tls_buffer_;  // decrypted bytes land here (TLS only)
};

/// The TLS client context: system CA store, plus `ca_file` when set, peer verification on.
Result<std::unique_ptr<asio::ssl::context>, std::string> make_tls_context(
    const std::string& ca_file);

/// Resolves, connects (through the proxy's CONNECT tunnel for TLS upstreams), and does the TLS
/// handshake with SNI and hostname verification. The caller's watchdog bounds the time: each
/// step hands `set_abort` the way to abort it (cancel the lookup, close the socket), which the
/// caller runs when it gives up; it is cleared on return. `tls` is required when `endpoint.tls`.
asio::awaitable<Result<std::unique_ptr<UpstreamConnection>, UpstreamFailure>> connect_upstream(
    const UpstreamEndpoint& endpoint, const std::optional<ProxyEndpoint>& proxy,
    asio::ssl::context* tls, const std::function<void(std::function<void()>)>& set_abort);

}  // namespace ccproxy::worker
