#include "worker/http/session.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "worker/http/client_auth.h"
#include "worker/convert/convert.h"
#include "worker/http/read_buffer.h"
#include "worker/request_log.h"
#include "worker/http/response_head.h"
#include "worker/http/routes.h"

namespace ccproxy::worker {
namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Slowloris guards: a kept-alive connection may sit idle this long; once the first byte of a
// request arrived, its headers must be complete within kHeaderTimeout, and the body must keep
// moving (kBodyIdle between reads).
constexpr auto kKeepAliveIdle = std::chrono::seconds(120);
constexpr auto kHeaderTimeout = std::chrono::seconds(30);
constexpr auto kBodyIdle = std::chrono::seconds(60);
// A client that stops reading our answer for this long is gone.
constexpr auto kWriteTimeout = std::chrono::seconds(300);
constexpr std::size_t kHeaderLimit = 64 * 1024;
constexpr std::size_t kMaxPipelined = 1u << 20;
constexpr std::size_t kKeepBuffer = 16 * 1024;

SimpleResponse api_error(int status, std::string type, std::string message) {
  return error_response(convert::ApiError{status, std::move(type), std::move(message)});
}

}  // namespace

void SessionRegistry::remove(Session* s) {
  sessions_.erase(s);
  if (sessions_.empty() && on_empty) {
    on_empty();
  }
}

void SessionRegistry::close_idle() {
  for (Session* s : std::set<Session*>(sessions_)) {
    if (s->idle()) {
      s->close();
    }
  }
}

void SessionRegistry::close_all() {
  for (Session* s : std::set<Session*>(sessions_)) {
    s->close();
  }
}

Session::Session(WorkerContext& ctx, SessionRegistry& registry, tcp::socket socket)
    : ctx_(ctx),
      registry_(registry),
      socket_(std::move(socket)),
      read_watchdog_(socket_.get_executor()),
      write_watchdog_(socket_.get_executor()) {
  registry_.add(this);
  ctx_.metrics.connection_opened();
}

Session::~Session() {
  ctx_.metrics.connection_closed();
  read_watchdog_.disarm();
  write_watchdog_.disarm();
  registry_.remove(this);
}

void Session::close() {
  error_code ignored;
  if (socket_.is_open()) {
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
}

asio::awaitable<bool> Session::write(std::string_view bytes) {
  if (!socket_.is_open()) {
    co_return false;
  }
  write_watchdog_.arm(Clock::now() + kWriteTimeout, [this] { close(); });
  auto [ec, n] =
      co_await asio::async_write(socket_, asio::buffer(bytes), TransferAllAtOnce{}, kNoThrow);
  write_watchdog_.disarm();
  co_return !ec;
}

asio::awaitable<bool> Session::wait_for_disconnect() {
  while (true) {
    if (inbuf_.size() > kMaxPipelined) {
      // Enough pipelined bytes queued: stop reading, just wait to be cancelled.
      asio::steady_timer forever(socket_.get_executor(), Clock::time_point::max());
      co_await forever.async_wait(kNoThrow);
      co_return !socket_.is_open();
    }
    // The request was just read, so nothing is expected: wait first, then read what came.
    auto [ec] = co_await socket_.async_wait(tcp::socket::wait_read, kNoThrow);
    if (!ec) {
      ec = co_await receive();
    }
    if (ec == asio::error::operation_aborted) {
      // Cancelled because the request finished, or the socket was closed under us (shutdown).
      co_return !socket_.is_open();
    }
    if (ec) {
      co_return true;  // EOF or reset: the client is gone
    }
  }
}

asio::awaitable<error_code> Session::receive_shared(std::size_t* got) {
  *got = 0;
  while (true) {
    // Try first (the bytes are often there already), wait for readiness only when not.
    std::span<char> buffer = shared_read_buffer();
    error_code ec;
    *got = socket_.read_some(asio::buffer(buffer.data(), buffer.size()), ec);
    if (ec != asio::error::would_block && ec != asio::error::try_again) {
      co_return ec;
    }
    *got = 0;
    auto [wec] = co_await socket_.async_wait(tcp::socket::wait_read, kNoThrow);
    if (wec) {
      co_return wec;
    }
  }
}

asio::awaitable<error_code> Session::receive(std::string* body, std::size_t length) {
  std::size_t n = 0;
  error_code ec = co_await receive_shared(&n);
  if (!ec) {
    const char* bytes = shared_read_buffer().data();
    std::size_t taken = 0;
    if (body != nullptr) {
      taken = std::min(n, length - body->size());
      body->append(bytes, taken);
    }
    inbuf_.append(bytes + taken, n - taken);  // what follows: a pipelined request
  }
  co_return ec;
}

asio::awaitable<void> Session::linger_close() {
  // The request's body was not read (early error): stop sending, then swallow what the client
  // still sends for a moment, so that its kernel does not turn our answer into a reset.
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  read_watchdog_.arm(Clock::now() + std::chrono::seconds(2), [this] { close(); });
  std::size_t drained = 0;
  inbuf_.clear();
  while (socket_.is_open() && drained < (16u << 20)) {
    error_code ec = co_await receive();
    if (ec) {
      break;
    }
    drained += inbuf_.size();
    inbuf_.clear();
  }
  read_watchdog_.disarm();
  close();
}

asio::awaitable<bool> Session::answer(const IncomingRequest& req, const std::string& method,
                                      const std::string& target, SimpleResponse& r, bool head_only,
                                      bool drain, bool keep_alive) {
  bool ka = keep_alive && !drain && !ctx_.shutting_down;
  ResponseHead head;
  head.status = r.status;
  head.content_type = r.content_type;
  head.content_length = r.body.size();
  head.keep_alive = ka;
  head.headers = std::move(r.headers);
  head.headers.emplace_back("request-id", req.id);
  std::string bytes = serialize(head);
  if (!head_only) {
    bytes += r.body;
  }
  bool ok = co_await write(bytes);
  double secs = std::chrono::duration<double>(Clock::now() - req.started).count();
  ctx_.metrics.request_finished(r.status, secs);
  if (r.status >= 400 || ctx_.log->should_log(spdlog::level::debug)) {
    ctx_.log->log(r.status >= 500 ? spdlog::level::warn : spdlog::level::info, "{} {} {} {} {}ms",
                  req.id, method.empty() ? "-" : method, target.substr(0, 200), r.status,
                  static_cast<int64_t>(secs * 1000));
  }
  if (!ok) {
    co_return false;
  }
  if (drain) {
    co_await linger_close();
    co_return false;
  }
  co_return ka;
}

asio::awaitable<void> Session::run() {
  co_await asio::this_coro::throw_if_cancelled(false);
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  // receive() reads synchronously once the socket is readable: it must never block.
  socket_.non_blocking(true, ignored);
  while (socket_.is_open()) {
    bool more = co_await serve_one();
    if (!more) {
      break;
    }
  }
  close();
}

// Reads one request and answers it. false: close the connection.
asio::awaitable<bool> Session::serve_one() {
  idle_ = true;
  if (ctx_.shutting_down && inbuf_.empty()) {
    co_return false;
  }
  http::request_parser<http::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(ctx_.config.max_body_bytes);
  parser.eager(false);  // headers first; the body is read below

  // Headers.
  bool started = !inbuf_.empty();
  read_watchdog_.arm(Clock::now() + (started ? kHeaderTimeout : kKeepAliveIdle),
                     [this] { close(); });
  error_code perr;
  // What follows the head in the shared read buffer when the head was parsed there (the usual
  // case: the head and the start of the body arrive in one read). It is consumed before the
  // next suspension point: moved into the body or into inbuf_.
  std::string_view rest;
  while (true) {
    if (!inbuf_.empty()) {
      std::size_t used = parser.put(asio::buffer(inbuf_), perr);
      inbuf_.erase(0, used);
      if (!perr && parser.is_header_done()) {
        break;
      }
      if (perr && perr != http::error::need_more) {
        break;
      }
      perr = {};
    }
    std::size_t n = 0;
    error_code ec = co_await receive_shared(&n);
    if (ec) {
      read_watchdog_.disarm();
      if (started && read_watchdog_.fired()) {
        ctx_.log->info("closing a connection whose request headers did not arrive in time");
      }
      co_return false;
    }
    if (!started) {
      started = true;
      idle_ = false;
      read_watchdog_.arm(Clock::now() + kHeaderTimeout, [this] { close(); });
    }
    std::string_view got(shared_read_buffer().data(), n);
    if (inbuf_.empty()) {
      // Parse in place rather than copying a large body's first 64 KB around.
      std::size_t used = parser.put(asio::buffer(got.data(), got.size()), perr);
      got.remove_prefix(used);
      if (!perr && parser.is_header_done()) {
        rest = got;
        break;
      }
      if (perr && perr != http::error::need_more) {
        break;
      }
      perr = {};
    }
    inbuf_.append(got);  // an incomplete head: wait for the rest
  }
  idle_ = false;
  read_watchdog_.disarm();

  const auto t0 = Clock::now();
  ctx_.metrics.request_started();
  IncomingRequest req;
  req.id = new_request_id();
  req.started = t0;
  std::string method;
  std::string target;
  bool keep_alive = false;
  if (!perr) {
    const auto& h = parser.get();
    method = std::string(h.method_string());
    target = std::string(h.target());
    keep_alive = h.keep_alive();
    req.x_api_key = std::string(h["x-api-key"]);
    req.authorization = std::string(h[http::field::authorization]);
    req.anthropic_beta = std::string(h["anthropic-beta"]);
    if (ctx_.log->should_log(spdlog::level::debug)) {
      std::string headers;
      for (const auto& field : h) {
        headers += "\n  " + loggable_header(field.name_string(), field.value());
      }
      ctx_.log->debug("{} {} {}{}", req.id, method, target, headers);
    }
  }
  keep_alive = keep_alive && !ctx_.shutting_down;

  const bool head_only = method == "HEAD";
  const bool body_pending = !perr && !parser.is_done();
  // Everything but /v1/messages is answered with one complete response (`drain`: the request
  // body was left unread, so the connection closes after it).
  std::optional<SimpleResponse> simple;
  bool drain = body_pending;
  RouteMatch route;
  if (perr) {
    drain = true;
    if (perr == http::error::header_limit) {
      simple = api_error(431, "invalid_request_error", "request headers larger than 64 KiB");
    } else if (perr == http::error::body_limit) {
      simple = api_error(
          413, "request_too_large",
          "request body larger than " + std::to_string(ctx_.config.max_body_bytes) + " bytes");
    } else {
      simple = api_error(400, "invalid_request_error", "malformed HTTP request: " + perr.message());
    }
  } else {
    route = match_route(method, target);
    if (route.route == Route::not_found) {
      simple = not_found_response(method, target);
    } else if (!route.method_allowed) {
      simple = method_not_allowed_response(method, target, route.allow);
    } else if (route.route == Route::health) {
      simple = health_response(ctx_);
    } else if (route.route == Route::metrics) {
      simple = metrics_response(ctx_);
    } else if (route.route == Route::root) {
      simple = root_response(ctx_);
    } else {
      // /v1/messages and count_tokens: authenticate before reading a possibly large body.
      switch (check_client_key(ctx_.config.client_api_key, req.x_api_key, req.authorization)) {
        case ClientAuth::ok:
          break;
        case ClientAuth::missing:
          simple = api_error(401, "authentication_error",
                             "missing API key: send it as x-api-key or Authorization: Bearer");
          break;
        case ClientAuth::invalid:
          simple = api_error(401, "authentication_error", "invalid x-api-key");
          break;
      }
    }
  }
  // (The head is complete unless perr: Beast asserts that before these are asked.)
  const auto length = perr ? boost::none : parser.content_length();
  const bool in_place = !perr && !parser.is_done() && length && !parser.chunked();
  if (simple) {
    if (!drain) {
      inbuf_.append(rest);  // a pipelined request
    }
    co_return co_await answer(req, method, target, *simple, head_only, drain, keep_alive);
  }

  // Body. A Content-Length body goes straight into its string, with spare room for the JSON
  // parser's padding so that the converter reads it in place.
  std::string body;
  if (in_place) {
    body.reserve(static_cast<std::size_t>(*length) + convert::kInputPadding);
    const std::string_view have = inbuf_.empty() ? rest : std::string_view(inbuf_);
    const std::size_t taken = std::min<std::size_t>(have.size(), *length);
    body.append(have.data(), taken);
    if (inbuf_.empty()) {
      inbuf_.append(rest.substr(taken));
    } else {
      inbuf_.erase(0, taken);
    }
  } else {
    inbuf_.append(rest);
  }
  rest = {};
  ++ctx_.api_requests;
  if (body_pending) {
    std::string expect(parser.get()[http::field::expect]);
    for (auto& c : expect) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (expect == "100-continue") {
      // "100-continue" (curl sends it for large bodies and would wait a second otherwise).
      bool sent = co_await write("HTTP/1.1 100 Continue\r\n\r\n");
      if (!sent) {
        ctx_.metrics.request_finished(499, 0);
        co_return false;
      }
    }
  }
  if (in_place) {
    while (body.size() < *length) {
      read_watchdog_.arm(Clock::now() + kBodyIdle, [this] { close(); });
      error_code ec = co_await receive(&body, static_cast<std::size_t>(*length));
      read_watchdog_.disarm();
      if (ec) {
        ctx_.metrics.request_finished(499, 0);
        co_return false;
      }
    }
    req.body = std::move(body);
  }
  parser.eager(true);
  while (req.body.empty() && !parser.is_done()) {
    if (!inbuf_.empty()) {
      std::size_t used = parser.put(asio::buffer(inbuf_), perr);
      inbuf_.erase(0, used);
      if (perr == http::error::need_more) {
        perr = {};
      } else if (perr) {
        break;
      }
      if (parser.is_done()) {
        break;
      }
      if (used > 0) {
        continue;
      }
    }
    read_watchdog_.arm(Clock::now() + kBodyIdle, [this] { close(); });
    error_code ec = co_await receive();
    read_watchdog_.disarm();
    if (ec) {
      ctx_.metrics.request_finished(499, 0);
      co_return false;
    }
  }
  if (inbuf_.empty() && inbuf_.capacity() > kKeepBuffer) {
    // A large body passed through: do not keep its buffer for the life of the connection.
    std::string().swap(inbuf_);
  }
  if (perr) {
    SimpleResponse r = perr == http::error::body_limit
                           ? api_error(413, "request_too_large",
                                       "request body larger than " +
                                           std::to_string(ctx_.config.max_body_bytes) + " bytes")
                           : api_error(400, "invalid_request_error",
                                       "malformed HTTP request body: " + perr.message());
    co_return co_await answer(req, method, target, r, false, true, keep_alive);
  }
  if (req.body.empty()) {
    req.body = parser.release().body();
  }
  req.keep_alive = keep_alive;

  if (route.route == Route::count_tokens) {
    SimpleResponse r = count_tokens_response(req.body);
    co_return co_await answer(req, method, target, r, false, false, keep_alive);
  }

  HandlerOutcome outcome = co_await handle_messages(ctx_, *this, req);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  ctx_.metrics.request_finished(outcome.status, secs);
  co_return !outcome.close_connection && keep_alive && !ctx_.shutting_down;
}

}  // namespace ccproxy::worker
