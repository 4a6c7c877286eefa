#include "worker/upstream/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <array>
#include <span>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "worker/read_buffer.h"
#include "worker/upstream/response_parser.h"
#include "worker/upstream/trust_store.h"

namespace ccproxy::worker {
namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr int kSendBuffer = 256 * 1024;
// One TLS record at most.
constexpr std::size_t kTlsReadBuffer = 16 * 1024;

// Runs a cleanup at scope exit (clears the abort hook that points into this frame).
template <typename F>
struct ScopeExit {
  F f;
  ~ScopeExit() { f(); }
};
template <typename F>
ScopeExit(F) -> ScopeExit<F>;

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string where(const std::string& host, uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

}  // namespace

UpstreamConnection::UpstreamConnection(tcp::socket socket) : plain_(std::move(socket)) {
  // Synchronous reads (read_available) must never block the event loop.
  error_code ignored;
  plain_->non_blocking(true, ignored);
}

UpstreamConnection::~UpstreamConnection() {
  close();
}

void UpstreamConnection::start_tls(asio::ssl::context& context) {
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(*plain_), context);
  plain_.reset();
}

tcp::socket& UpstreamConnection::socket() {
  return tls_ ? tls_->next_layer() : *plain_;
}

asio::awaitable<std::tuple<error_code, std::string_view>> UpstreamConnection::read_available() {
  if (tls_) {
    if (!tls_buffer_) {
      tls_buffer_ = std::make_unique<char[]>(kTlsReadBuffer);
    }
    auto [ec, n] =
        co_await tls_->async_read_some(asio::buffer(tls_buffer_.get(), kTlsReadBuffer), kNoThrow);
    co_return std::tuple(ec, std::string_view(tls_buffer_.get(), n));
  }
  while (true) {
    // Try first (the bytes are often there already), wait for readiness only when not.
    std::span<char> buffer = shared_read_buffer();
    error_code ec;
    std::size_t n = plain_->read_some(asio::buffer(buffer.data(), buffer.size()), ec);
    if (ec != asio::error::would_block && ec != asio::error::try_again) {
      co_return std::tuple(ec, std::string_view(buffer.data(), n));
    }
    auto [wec] = co_await plain_->async_wait(tcp::socket::wait_read, kNoThrow);
    if (wec) {
      co_return std::tuple(wec, std::string_view());
    }
  }
}

asio::awaitable<std::tuple<error_code, std::size_t>> UpstreamConnection::write_all(
    std::array<std::string_view, 4> parts) {
  const std::array<asio::const_buffer, 4> buffers{asio::buffer(parts[0]), asio::buffer(parts[1]),
                                                  asio::buffer(parts[2]), asio::buffer(parts[3])};
  if (tls_) {
    co_return co_await asio::async_write(*tls_, buffers, kNoThrow);
  }
  co_return co_await asio::async_write(*plain_, buffers, TransferAllAtOnce{}, kNoThrow);
}

asio::awaitable<error_code> UpstreamConnection::handshake(const std::string& host) {
  SSL* ssl = tls_->native_handle();
  if (!is_ip_literal(host)) {
    // SNI: virtual hosts (and CDNs) pick the certificate by it.
    SSL_set_tlsext_host_name(ssl, host.c_str());
  }
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(ssl, kAlpn, sizeof kAlpn);
  tls_->set_verify_mode(asio::ssl::verify_peer);
  tls_->set_verify_callback(asio::ssl::host_name_verification(host));
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, kNoThrow);
  co_return ec;
}

void UpstreamConnection::close() {
  error_code ignored;
  tcp::socket& s = socket();
  if (s.is_open()) {
    s.shutdown(tcp::socket::shutdown_both, ignored);
    s.close(ignored);
  }
}

std::string UpstreamConnection::verify_error() {
  if (!tls_) {
    return {};
  }
  long result = SSL_get_verify_result(tls_->native_handle());
  if (result == X509_V_OK) {
    return {};
  }
  return X509_verify_cert_error_string(result);
}

bool UpstreamConnection::is_open() {
  return socket().is_open();
}

bool UpstreamConnection::looks_reusable() {
  tcp::socket& s = socket();
  if (!s.is_open()) {
    return false;
  }
  // Nothing may be pending on an idle HTTP/1.1 connection: readable means EOF, an unexpected
  // byte or a TLS alert, and the connection is not fit for a new request.
  char byte = 0;
  ssize_t n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    return true;
  }
  return false;
}

Result<std::unique_ptr<asio::ssl::context>, std::string> make_tls_context(
    const std::string& ca_file) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  error_code ec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1,
                   ec);
  auto trust =
      load_system_trust(SSL_CTX_get_cert_store(ctx->native_handle()), system_trust_locations());
  if (!trust) {
    return fail("cannot load the system CA store: " + trust.error());
  }
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) {
      return fail("upstream.ca_file " + ca_file + ": cannot load: " + ec.message());
    }
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

namespace {

using SetAbort = std::function<void(std::function<void()>)>;

/// The addresses to connect to. An address needs no lookup (and Asio's resolver runs
/// getaddrinfo on a helper thread).
asio::awaitable<Result<std::vector<tcp::endpoint>, UpstreamFailure>> resolve(
    const std::string& host, uint16_t port, FailureKind kind, const SetAbort& set_abort) {
  std::vector<tcp::endpoint> endpoints;
  error_code aec;
  const asio::ip::address literal = asio::ip::make_address(host, aec);
  if (!aec) {
    endpoints.emplace_back(literal, port);
    co_return endpoints;
  }
  tcp::resolver resolver(co_await asio::this_coro::executor);
  set_abort([&resolver] { resolver.cancel(); });
  ScopeExit forget_resolver{[&] { set_abort(nullptr); }};
  auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(port), kNoThrow);
  if (rec) {
    co_return fail(UpstreamFailure{kind, "resolve " + host + ": " + rec.message()});
  }
  for (const auto& entry : results) {
    endpoints.push_back(entry.endpoint());
  }
  co_return endpoints;
}

/// TCP connect to the first address that answers, then the socket options for a proxy hop.
asio::awaitable<Result<void, UpstreamFailure>> connect_tcp(
    tcp::socket& socket, const std::vector<tcp::endpoint>& endpoints, const std::string& host,
    uint16_t port, FailureKind kind) {
  auto [cec, ep] = co_await asio::async_connect(socket, endpoints, kNoThrow);
  if (cec) {
    co_return fail(UpstreamFailure{kind, "connect " + where(host, port) + ": " + cec.message()});
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  socket.set_option(asio::socket_base::keep_alive(true), ignored);
  // A Claude Code request is 100 KB and more: room for one in the send buffer lets it leave
  // in one writev instead of waiting for the buffer to drain (the default starts at 16 KB).
  socket.set_option(asio::socket_base::send_buffer_size(kSendBuffer), ignored);
  co_return Result<void, UpstreamFailure>();
}

/// Reads the proxy's answer to CONNECT up to the end of its head; returns its status.
asio::awaitable<Result<int, UpstreamFailure>> read_connect_status(tcp::socket& socket,
                                                                  const ProxyEndpoint& proxy) {
  HttpResponseParser parser;
  parser.expect_connect_response();
  char buf[4096];
  std::string ignored_body;
  while (!parser.head_complete()) {
    // A read could take bytes past the proxy's head, but a proxy sends nothing after its
    // 200 until we speak: no TLS byte is lost here.
    auto [rdec, n] = co_await socket.async_read_some(asio::buffer(buf), kNoThrow);
    if (rdec) {
      co_return fail(
          UpstreamFailure{FailureKind::proxy,
                          "proxy " + proxy.display + " closed during CONNECT: " + rdec.message()});
    }
    auto used = parser.feed(std::string_view(buf, n), ignored_body);
    if (!used) {
      co_return fail(
          UpstreamFailure{FailureKind::proxy, "proxy " + proxy.display + ": " + used.error()});
    }
  }
  co_return parser.status();
}

/// Opens a tunnel through the proxy: CONNECT host:port, after which TLS runs end to end.
asio::awaitable<Result<void, UpstreamFailure>> open_tunnel(tcp::socket& socket,
                                                           const UpstreamEndpoint& endpoint,
                                                           const ProxyEndpoint& proxy) {
  const std::string authority = where(endpoint.host, endpoint.port);
  std::string connect = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  if (!proxy.authorization.empty()) {
    connect += "Proxy-Authorization: " + proxy.authorization + "\r\n";
  }
  connect += "\r\n";
  auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(connect), kNoThrow);
  if (wec) {
    co_return fail(
        UpstreamFailure{FailureKind::proxy, "proxy " + proxy.display + ": " + wec.message()});
  }
  auto status = co_await read_connect_status(socket, proxy);
  if (!status) {
    co_return fail(std::move(status).error());
  }
  if (*status < 200 || *status > 299) {
    std::string detail = "proxy " + proxy.display + " refused CONNECT " + authority +
                         " with status " + std::to_string(*status);
    if (*status == 407) {
      detail += " (proxy authentication required)";
    }
    co_return fail(UpstreamFailure{FailureKind::proxy, detail});
  }
  co_return Result<void, UpstreamFailure>();
}

/// The TLS handshake on a connected (maybe tunnelled) connection. `via` names the proxy in
/// the error text.
asio::awaitable<Result<void, UpstreamFailure>> tls_handshake(UpstreamConnection& conn,
                                                             asio::ssl::context& tls,
                                                             const UpstreamEndpoint& endpoint,
                                                             const std::string& via) {
  conn.start_tls(tls);
  error_code hec = co_await conn.handshake(endpoint.host);
  if (hec) {
    std::string detail =
        "TLS handshake with " + where(endpoint.host, endpoint.port) + via + ": " + hec.message();
    std::string why = conn.verify_error();
    if (!why.empty()) {
      detail += " (" + why + ")";
    }
    co_return fail(UpstreamFailure{FailureKind::tls, detail});
  }
  co_return Result<void, UpstreamFailure>();
}

}  // namespace

asio::awaitable<Result<std::unique_ptr<UpstreamConnection>, UpstreamFailure>> connect_upstream(
    const UpstreamEndpoint& endpoint, const std::optional<ProxyEndpoint>& proxy,
    asio::ssl::context* tls, const SetAbort& set_abort) {
  ScopeExit clear_abort{[&] { set_abort(nullptr); }};
  const std::string& host = proxy ? proxy->host : endpoint.host;
  const uint16_t port = proxy ? proxy->port : endpoint.port;
  const FailureKind connect_kind = proxy ? FailureKind::proxy : FailureKind::connect;

  auto endpoints = co_await resolve(host, port, connect_kind, set_abort);
  if (!endpoints) {
    co_return fail(std::move(endpoints).error());
  }
  tcp::socket socket(co_await asio::this_coro::executor);
  set_abort([&socket] {
    error_code ignored;
    socket.close(ignored);
  });
  auto connected = co_await connect_tcp(socket, *endpoints, host, port, connect_kind);
  if (!connected) {
    co_return fail(std::move(connected).error());
  }
  if (proxy && endpoint.tls) {
    auto tunnel = co_await open_tunnel(socket, endpoint, *proxy);
    if (!tunnel) {
      co_return fail(std::move(tunnel).error());
    }
  }

  auto conn = std::make_unique<UpstreamConnection>(std::move(socket));
  UpstreamConnection* raw = conn.get();
  set_abort([raw] { raw->close(); });
  if (endpoint.tls) {
    const std::string via = proxy ? " via proxy " + proxy->display : std::string();
    auto secured = co_await tls_handshake(*conn, *tls, endpoint, via);
    if (!secured) {
      co_return fail(std::move(secured).error());
    }
  }
  co_return conn;
}

}  // namespace ccproxy::worker
