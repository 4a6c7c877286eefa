#include "worker/http/session.h"

#include <sys/socket.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include "worker/convert/convert.h"
#include "worker/http/messages_handler.h"
#include "worker/http/request_in_progress.h"
#include "worker/http/response_head.h"
#include "worker/http/routes.h"
#include "worker/read_buffer.h"
#include "worker/request_log.h"

namespace ccproxy::worker {
namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Slowloris guards: a kept-alive connection may sit idle this long; once the first byte of a
// request arrived, its headers must be complete within kHeaderTimeout (kHeaderTimeoutUnderPressure
// while most of the connection limit is in use, see SessionRegistry), and the body must keep
// moving (kBodyIdle between reads).
constexpr auto kKeepAliveIdle = std::chrono::seconds(120);
constexpr auto kHeaderTimeout = std::chrono::seconds(30);
constexpr auto kHeaderTimeoutUnderPressure = std::chrono::seconds(5);
constexpr auto kBodyIdle = std::chrono::seconds(60);
// A client that stops reading our answer for this long is gone.
constexpr auto kWriteTimeout = std::chrono::seconds(300);
constexpr std::size_t kMaxPipelined = 1u << 20;
constexpr std::size_t kKeepBuffer = 16 * 1024;

}  // namespace

Session::Session(WorkerContext& ctx, SessionRegistry& registry, tcp::socket socket)
    : ctx_(ctx),
      registry_(registry),
      socket_(std::move(socket)),
      read_watchdog_(socket_.get_executor()),
      write_watchdog_(socket_.get_executor()) {
  registry_.add(this);
  ctx_.metrics.connection_opened();
  connection_id_ = ++ctx_.connections_accepted;
}

Session::~Session() {
  ctx_.metrics.connection_closed();
  read_watchdog_.disarm();
  write_watchdog_.disarm();
  registry_.remove(this);
}

bool Session::has_unread_bytes() const {
  error_code ec;
  const std::size_t n = socket_.is_open() ? socket_.available(ec) : 0;
  return !ec && n > 0;
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
  if (!first_write_) {
    first_write_ = Clock::now();
  }
  write_watchdog_.arm(Clock::now() + kWriteTimeout, [this] { close(); });
  auto [ec, n] =
      co_await asio::async_write(socket_, asio::buffer(bytes), TransferAllAtOnce{}, kNoThrow);
  write_watchdog_.disarm();
  co_return !ec;
}

void Session::hurry_head() {
  if (!reading_head()) {
    return;
  }
  const Clock::time_point deadline = *head_started_ + kHeaderTimeoutUnderPressure;
  if (deadline < head_deadline_) {
    arm_head_deadline(deadline);
  }
}

void Session::start_head() {
  head_started_ = Clock::now();
  arm_head_deadline(*head_started_ +
                    (registry_.under_pressure() ? kHeaderTimeoutUnderPressure : kHeaderTimeout));
}

void Session::arm_head_deadline(Clock::time_point deadline) {
  head_deadline_ = deadline;
  read_watchdog_.arm(deadline, [this] { close(); });
}

bool Session::input_finished() {
  char byte = 0;
  return ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

asio::awaitable<ClientEnd> Session::wait_for_disconnect() {
  while (true) {
    if (inbuf_.size() > kMaxPipelined) {
      // Enough pipelined bytes queued: stop reading, just wait to be cancelled.
      asio::steady_timer forever(socket_.get_executor(), Clock::time_point::max());
      co_await forever.async_wait(kNoThrow);
      co_return socket_.is_open() ? ClientEnd::cancelled : ClientEnd::gone;
    }
    // The request was just read, so nothing is expected: wait first, then read what came.
    auto [ec] = co_await socket_.async_wait(tcp::socket::wait_read, kNoThrow);
    if (!ec) {
      ec = co_await receive();
    }
    if (ec == asio::error::operation_aborted) {
      // Cancelled because the request finished, or the socket was closed under us (shutdown).
      co_return socket_.is_open() ? ClientEnd::cancelled : ClientEnd::gone;
    }
    if (ec == asio::error::eof) {
      co_return ClientEnd::input_finished;
    }
    if (ec) {
      co_return ClientEnd::gone;
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

asio::awaitable<bool> Session::answer(const RequestInProgress& r, SimpleResponse& response,
                                      bool head_only, bool drain) {
  const IncomingRequest& req = r.req;
  bool ka = r.keep_alive && !drain && !ctx_.shutting_down;
  ResponseHead head;
  head.status = response.status;
  head.content_type = response.content_type;
  head.content_length = response.body.size();
  head.keep_alive = ka;
  head.headers = std::move(response.headers);
  head.headers.emplace_back("request-id", req.id);
  std::string bytes = serialize(head);
  if (!head_only) {
    bytes += response.body;
  }
  bool ok = co_await write(bytes);
  double secs = std::chrono::duration<double>(Clock::now() - req.started).count();
  ctx_.metrics.request_finished(response.status, secs);
  if (response.status >= 400 || ctx_.log->should_log(spdlog::level::debug)) {
    ctx_.log->log(response.status >= 500 ? spdlog::level::warn : spdlog::level::info,
                  "{} {} {} {} {}ms", req.id, r.method.empty() ? "-" : r.method,
                  r.target.substr(0, 200), response.status, static_cast<int64_t>(secs * 1000));
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

// Each step's result goes to a named local before it is tested: GCC 12 miscompiles
// `if (!co_await step(...))` (the coroutine crashes when it resumes).
asio::awaitable<bool> Session::serve_one() {
  idle_ = true;
  // A connection that has not sent its first request yet is waited for: it was accepted, so its
  // client is about to send one (a worker handing its port over accepts until the last moment).
  if (ctx_.shutting_down && inbuf_.empty() && !fresh_) {
    co_return false;
  }
  RequestInProgress r(ctx_.config.max_body_bytes);
  const bool head_read = co_await read_head(r);
  if (!head_read) {
    co_return false;
  }
  fresh_ = false;
  start_request(r);
  std::optional<SimpleResponse> simple = answer_without_body(r);
  if (simple) {
    const bool drain = r.parse_error || !r.parser.is_done();
    if (!drain) {
      inbuf_.append(r.rest);  // a pipelined request
    }
    co_return co_await answer(r, *simple, r.method == "HEAD", drain);
  }
  const bool body_read = co_await read_body(r);
  if (!body_read) {
    co_return false;
  }
  if (r.parse_error) {
    SimpleResponse refused = bad_body_response(r.parse_error, ctx_.config.max_body_bytes);
    co_return co_await answer(r, refused, false, true);
  }
  co_return co_await serve_api_request(r);
}

asio::awaitable<bool> Session::read_head(RequestInProgress& r) {
  if (inbuf_.empty()) {
    read_watchdog_.arm(Clock::now() + kKeepAliveIdle, [this] { close(); });
  } else {
    start_head();  // a pipelined request
  }
  while (true) {
    if (!inbuf_.empty()) {
      std::string_view queued(inbuf_);
      const bool done = parse_head(r.parser, queued, r.parse_error);
      inbuf_.erase(0, inbuf_.size() - queued.size());
      if (done) {
        break;
      }
    }
    std::size_t n = 0;
    error_code ec = co_await receive_shared(&n);
    if (ec) {
      read_watchdog_.disarm();
      if (head_started_ && read_watchdog_.fired()) {
        ctx_.log->info("closing a connection whose request headers did not arrive in time");
      }
      head_started_.reset();
      co_return false;
    }
    if (!head_started_) {
      idle_ = false;
      start_head();
    }
    std::string_view got(shared_read_buffer().data(), n);
    // Parse in place rather than copying a large body's first 64 KB around.
    if (inbuf_.empty() && parse_head(r.parser, got, r.parse_error)) {
      if (!r.parse_error) {
        r.rest = got;
      }
      break;
    }
    inbuf_.append(got);  // an incomplete head: wait for the rest
  }
  idle_ = false;
  head_started_.reset();
  read_watchdog_.disarm();
  co_return true;
}

void Session::start_request(RequestInProgress& r) {
  r.req.started = Clock::now();
  ctx_.metrics.request_started();
  r.req.id = new_request_id();
  if (!r.parse_error) {
    const auto& h = r.parser.get();
    r.method = std::string(h.method_string());
    r.target = std::string(h.target());
    r.keep_alive = h.keep_alive();
    r.req.x_api_key = std::string(h["x-api-key"]);
    r.req.authorization = std::string(h[http::field::authorization]);
    r.req.anthropic_beta = std::string(h["anthropic-beta"]);
    r.req.session_id = std::string(h["x-claude-code-session-id"]);
    r.req.connection_id = connection_id_;
    if (ctx_.log->should_log(spdlog::level::debug)) {
      std::string headers;
      for (const auto& field : h) {
        headers += "\n  " + loggable_header(field.name_string(), field.value());
      }
      ctx_.log->debug("{} {} {}{}", r.req.id, r.method, r.target, headers);
    }
    r.route = match_route(r.method, r.target);
  }
  r.keep_alive = r.keep_alive && !ctx_.shutting_down;
}

std::optional<SimpleResponse> Session::answer_without_body(const RequestInProgress& r) const {
  if (r.parse_error) {
    return bad_head_response(r.parse_error, ctx_.config.max_body_bytes);
  }
  if (!transfer_coding_implemented(r.parser.get())) {
    return unimplemented_transfer_coding_response(r.parser.get()[http::field::transfer_encoding]);
  }
  if (r.route.route == Route::not_found) {
    return not_found_response(r.method, r.target);
  }
  if (!r.route.method_allowed) {
    return method_not_allowed_response(r.method, r.target, r.route.allow);
  }
  switch (r.route.route) {
    case Route::health:
      return health_response(ctx_);
    case Route::metrics:
      return metrics_response(ctx_);
    case Route::root:
      return root_response(ctx_);
    case Route::models:
      // An API endpoint: the client key applies as to /v1/messages.
      if (auto refusal = client_key_refusal(
              check_client_key(ctx_.config.client_api_key, r.req.x_api_key, r.req.authorization))) {
        return refusal;
      }
      return models_response(ctx_);
    case Route::messages:
    case Route::count_tokens:
    case Route::not_found:
      break;
  }
  // /v1/messages and count_tokens: authenticate before reading a possibly large body.
  return client_key_refusal(
      check_client_key(ctx_.config.client_api_key, r.req.x_api_key, r.req.authorization));
}

asio::awaitable<bool> Session::read_body(RequestInProgress& r) {
  const bool body_pending = !r.parser.is_done();
  const auto length = r.parser.content_length();
  const bool sized = body_pending && length && !r.parser.chunked();
  // A Content-Length body goes straight into its string, with spare room for the JSON
  // parser's padding so that the converter reads it in place.
  std::string body;
  if (sized) {
    body.reserve(static_cast<std::size_t>(*length) + convert::kInputPadding);
    const std::string_view have = inbuf_.empty() ? r.rest : std::string_view(inbuf_);
    const std::size_t taken = std::min<std::size_t>(have.size(), *length);
    body.append(have.data(), taken);
    if (inbuf_.empty()) {
      inbuf_.append(r.rest.substr(taken));
    } else {
      inbuf_.erase(0, taken);
    }
  } else {
    inbuf_.append(r.rest);
  }
  r.rest = {};
  ++ctx_.api_requests;
  if (body_pending && expects_continue(r.parser)) {
    bool sent = co_await write("HTTP/1.1 100 Continue\r\n\r\n");
    if (!sent) {
      ctx_.metrics.request_finished(499, 0);
      co_return false;
    }
  }
  if (sized) {
    const bool complete = co_await read_sized_body(body, static_cast<std::size_t>(*length));
    if (!complete) {
      co_return false;
    }
    r.req.body = std::move(body);
  }
  const bool parsed = co_await read_parsed_body(r);
  if (!parsed) {
    co_return false;
  }
  if (inbuf_.empty() && inbuf_.capacity() > kKeepBuffer) {
    // A large body passed through: do not keep its buffer for the life of the connection.
    std::string().swap(inbuf_);
  }
  co_return true;
}

asio::awaitable<bool> Session::read_sized_body(std::string& body, std::size_t length) {
  while (body.size() < length) {
    const bool received = co_await receive_body_part(&body, length);
    if (!received) {
      co_return false;
    }
  }
  co_return true;
}

asio::awaitable<bool> Session::read_parsed_body(RequestInProgress& r) {
  RequestParser& parser = r.parser;
  parser.eager(true);
  while (r.req.body.empty() && !parser.is_done()) {
    if (!inbuf_.empty()) {
      std::size_t used = parser.put(asio::buffer(inbuf_), r.parse_error);
      inbuf_.erase(0, used);
      if (r.parse_error == http::error::need_more) {
        r.parse_error = {};
      } else if (r.parse_error) {
        break;
      }
      if (parser.is_done()) {
        break;
      }
      if (used > 0) {
        continue;
      }
    }
    const bool received = co_await receive_body_part();
    if (!received) {
      co_return false;
    }
  }
  co_return true;
}

asio::awaitable<bool> Session::receive_body_part(std::string* body, std::size_t length) {
  read_watchdog_.arm(Clock::now() + kBodyIdle, [this] { close(); });
  error_code ec = co_await receive(body, length);
  read_watchdog_.disarm();
  if (ec) {
    ctx_.metrics.request_finished(499, 0);
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Session::serve_api_request(RequestInProgress& r) {
  if (r.req.body.empty()) {
    r.req.body = r.parser.release().body();
  }
  r.req.keep_alive = r.keep_alive;
  first_write_.reset();
  if (r.route.route == Route::count_tokens) {
    SimpleResponse counted = count_tokens_response(r.req.body);
    co_return co_await answer(r, counted, false, false);
  }
  HandlerOutcome outcome = co_await handle_messages(ctx_, *this, r.req);
  double secs = std::chrono::duration<double>(Clock::now() - r.req.started).count();
  ctx_.metrics.request_finished(outcome.status, secs);
  co_return !outcome.close_connection && r.keep_alive && !ctx_.shutting_down;
}

}  // namespace ccproxy::worker
