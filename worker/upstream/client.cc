#include "worker/upstream/client.h"

#include "common/text.h"
#include "worker/convert/providers/resolve.h"

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>

namespace ccproxy::worker {
namespace {

// Idle keep-alive connections kept per upstream: enough for a burst of parallel requests
// to find warm connections (a new TLS connection costs a handshake), few enough to be cheap;
// the worker's sweep closes those unused for kMaxIdleTime.
constexpr std::size_t kMaxIdlePerHost = 64;
constexpr auto kMaxIdleTime = std::chrono::seconds(30);

bool header_safe(std::string_view s) {
  return s.find_first_of("\r\n") == std::string_view::npos;
}

bool is_eof(const error_code& ec) {
  // A TLS peer that closes without close_notify gives stream_truncated: an EOF all the same.
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

UpstreamClient::UpstreamClient(const UpstreamConfig& config, UpstreamEndpoint endpoint,
                               std::optional<ProxyEndpoint> proxy)
    : config_(config),
      endpoint_(std::move(endpoint)),
      proxy_(std::move(proxy)),
      pool_(kMaxIdlePerHost, kMaxIdleTime) {
  pool_key_ = std::string(endpoint_.tls ? "https://" : "http://") + endpoint_.host_header + "|" +
              std::to_string(endpoint_.port) + "|" + (proxy_ ? proxy_->display : "");
  for (const Tier tier : kAllTiers) {
    const std::string& model = config_.models.model_for(tier);
    if (!model.empty()) {
      model_providers_.emplace_back(model, convert::providers::resolve_provider(config_, model));
    }
  }
  // The head is the same for every request but for Accept, Content-Length and (pass-through)
  // anthropic-beta: built once per kind.
  heads_.resize(std::max<std::size_t>(1, config_.api_keys.size()));
  for (std::size_t k = 0; k < heads_.size(); ++k) {
    heads_[k][0] = head_before_length(false, {}, k);
    heads_[k][1] = head_before_length(true, {}, k);
  }
}

Result<asio::ssl::context*, std::string> UpstreamClient::tls() {
  if (!tls_) {
    auto made = make_tls_context(config_.ca_file);
    if (!made) {
      return fail(std::move(made).error());
    }
    tls_ = std::move(made).value();
  }
  return tls_.get();
}

std::string UpstreamClient::head(std::size_t content_length, bool stream,
                                 std::string_view anthropic_beta, std::size_t key) const {
  key = key < heads_.size() ? key : 0;
  const bool with_beta = config_.format == UpstreamFormat::anthropic && !anthropic_beta.empty() &&
                         header_safe(anthropic_beta);
  const std::string& cached = heads_[key][stream ? 1 : 0];
  std::string out;
  out.reserve(cached.size() + 64);
  out = with_beta ? head_before_length(stream, anthropic_beta, key) : cached;
  out += "Content-Length: ";
  out += std::to_string(content_length);
  out += "\r\n\r\n";
  return out;
}

Provider UpstreamClient::provider_for(std::string_view upstream_model) const {
  for (const auto& [model, provider] : model_providers_) {
    if (model == upstream_model) {
      return provider;
    }
  }
  return convert::providers::resolve_provider(config_, upstream_model);
}

OutgoingRequest UpstreamClient::build_request(std::string body, bool stream,
                                              std::string_view anthropic_beta, std::size_t key,
                                              std::shared_ptr<const std::string> spliced,
                                              std::size_t splice_at) const {
  OutgoingRequest out;
  out.head = head(body.size() + (spliced ? spliced->size() : 0), stream, anthropic_beta, key);
  out.body = std::move(body);
  if (spliced) {
    out.splice_at = std::min(splice_at, out.body.size());
    out.spliced = std::move(spliced);
  }
  return out;
}

void UpstreamClient::set_key(OutgoingRequest& request, bool stream, std::string_view anthropic_beta,
                             std::size_t key) const {
  request.head = head(request.body.size() + (request.spliced ? request.spliced->size() : 0), stream,
                      anthropic_beta, key);
}

std::string UpstreamClient::head_before_length(bool stream, std::string_view anthropic_beta,
                                               std::size_t key) const {
  const std::string no_key;
  const std::string& api_key = key < config_.api_keys.size() ? config_.api_keys[key] : no_key;
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(10 + config_.headers.size());
  headers.emplace_back("Host", endpoint_.host_header);
  headers.emplace_back("User-Agent", "ccproxy/" CCPROXY_VERSION);
  headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  // Never compressed: SSE must flow chunk by chunk and we relay bytes as they come.
  headers.emplace_back("Accept-Encoding", "identity");
  if (config_.format == UpstreamFormat::openai) {
    if (!api_key.empty()) {
      headers.emplace_back("Authorization", "Bearer " + api_key);
    }
  } else {
    if (!api_key.empty()) {
      headers.emplace_back("x-api-key", api_key);
    }
    headers.emplace_back("anthropic-version", config_.anthropic_version);
    if (!anthropic_beta.empty() && header_safe(anthropic_beta)) {
      headers.emplace_back("anthropic-beta", std::string(anthropic_beta));
    }
  }
  if (proxy_ && !endpoint_.tls && !proxy_->authorization.empty()) {
    headers.emplace_back("Proxy-Authorization", proxy_->authorization);
  }
  // Profile headers replace defaults of the same name (e.g. a custom Authorization scheme).
  for (const auto& [name, value] : config_.headers) {
    if (name.empty() || !header_safe(name) || !header_safe(value) || ascii_iequals(name, "host") ||
        ascii_iequals(name, "content-length") || ascii_iequals(name, "transfer-encoding")) {
      continue;
    }
    std::erase_if(headers, [&](const auto& h) { return ascii_iequals(h.first, name); });
    headers.emplace_back(name, value);
  }

  std::string target = endpoint_.target;
  if (proxy_ && !endpoint_.tls) {
    // Plain HTTP through a proxy: absolute-form request target, no tunnel.
    target = "http://" + endpoint_.host_header + endpoint_.target;
  }
  std::string head;
  head.reserve(512);
  head += "POST " + target + " HTTP/1.1\r\n";
  for (const auto& [name, value] : headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  return head;
}

UpstreamExchange::UpstreamExchange(UpstreamClient& client,
                                   std::unique_ptr<UpstreamConnection> connection,
                                   Clock::time_point total_deadline, CallGuard& guard)
    : client_(client),
      conn_(std::move(connection)),
      total_deadline_(total_deadline),
      guard_(guard),
      watchdog_(conn_->socket().get_executor()) {
  UpstreamConnection* raw = conn_.get();
  guard_.abort = [raw] { raw->close(); };
}

UpstreamExchange::~UpstreamExchange() {
  watchdog_.disarm();
  guard_.abort = nullptr;
  if (!broken_ && !guard_.cancelled && parser_.complete() && parser_.keep_alive() &&
      conn_->is_open()) {
    conn_->reused = false;
    client_.pool().put(client_.pool_key(), std::move(conn_));
  }
}

bool UpstreamExchange::reused_connection() const {
  return conn_->reused;
}

UpstreamExchange::Clock::time_point UpstreamExchange::deadline_after(
    std::chrono::milliseconds timeout) const {
  return std::min(Clock::now() + timeout, total_deadline_);
}

UpstreamFailure UpstreamExchange::timeout_or(FailureKind op_timeout, FailureKind otherwise,
                                             std::string detail, bool got_bytes) const {
  if (watchdog_.fired()) {
    bool total = Clock::now() >= total_deadline_;
    return UpstreamFailure{total ? FailureKind::total_timeout : op_timeout, "", got_bytes};
  }
  return UpstreamFailure{otherwise, std::move(detail), got_bytes};
}

namespace {

/// A new connection under the connect timeout (bounded by the total deadline); a client that
/// goes away aborts it through `guard`.
asio::awaitable<Result<std::unique_ptr<UpstreamConnection>, UpstreamFailure>> connect_fresh(
    UpstreamClient& client, UpstreamExchange::Clock::time_point total_deadline, CallGuard& guard) {
  using Clock = UpstreamExchange::Clock;
  const Timeouts& timeouts = client.config().timeouts;
  Watchdog watchdog(co_await asio::this_coro::executor);
  std::function<void()> abort_connect;
  watchdog.arm(std::min(Clock::now() + timeouts.connect, total_deadline), [&abort_connect] {
    if (abort_connect) {
      abort_connect();
    }
  });
  std::function<void(std::function<void()>)> set_abort = [&abort_connect,
                                                          &guard](std::function<void()> fn) {
    abort_connect = fn;
    guard.abort = std::move(fn);
  };
  asio::ssl::context* tls = nullptr;
  if (client.endpoint().tls) {
    auto context = client.tls();
    if (!context) {
      co_return fail(UpstreamFailure{FailureKind::tls, std::move(context).error()});
    }
    tls = *context;
  }
  auto connected = co_await connect_upstream(client.endpoint(), client.proxy(), tls, set_abort);
  watchdog.disarm();
  if (guard.cancelled) {
    co_return fail(UpstreamFailure{FailureKind::closed, "the client went away"});
  }
  if (!connected && watchdog.fired()) {
    bool total = Clock::now() >= total_deadline;
    co_return fail(
        UpstreamFailure{total ? FailureKind::total_timeout : FailureKind::connect_timeout,
                        "after " + std::to_string(timeouts.connect.count()) + " ms"});
  }
  co_return connected;
}

}  // namespace

asio::awaitable<Result<std::unique_ptr<UpstreamExchange>, UpstreamFailure>> UpstreamExchange::open(
    UpstreamClient& client, const OutgoingRequest& request, Clock::time_point total_deadline,
    CallGuard& guard) {
  for (int fresh = 0; fresh < 2; ++fresh) {
    std::unique_ptr<UpstreamConnection> conn;
    if (fresh == 0) {
      conn = client.pool().take(client.pool_key());
    }
    if (!conn) {
      auto connected = co_await connect_fresh(client, total_deadline, guard);
      if (!connected) {
        co_return fail(std::move(connected).error());
      }
      conn = std::move(connected).value();
    }
    auto exchange =
        std::make_unique<UpstreamExchange>(client, std::move(conn), total_deadline, guard);
    auto sent = co_await exchange->send(request);
    if (sent) {
      co_return exchange;
    }
    UpstreamFailure failure = sent.error();
    exchange->broken_ = true;
    bool was_reused = exchange->reused_connection();
    if (guard.cancelled) {
      co_return fail(UpstreamFailure{FailureKind::closed, "the client went away"});
    }
    // A kept-alive connection the server had already closed: not a real failure, go again on
    // a new connection without counting it as a retry.
    if (was_reused && failure.kind == FailureKind::closed && !failure.got_response_bytes) {
      continue;
    }
    co_return fail(std::move(failure));
  }
  co_return fail(UpstreamFailure{FailureKind::closed, "connection lost twice"});
}

asio::awaitable<Result<void, UpstreamFailure>> UpstreamExchange::send(
    const OutgoingRequest& request) {
  UpstreamConnection* raw = conn_.get();
  auto close = [raw] { raw->close(); };
  const auto first_byte = client_.config().timeouts.first_byte;
  watchdog_.arm(deadline_after(first_byte), close);
  const std::string_view body = request.body;
  const std::string_view spliced = request.spliced ? std::string_view(*request.spliced) : "";
  if (guard_.before_send) {
    guard_.before_send();
  }
  auto [wec, wn] = co_await conn_->write_all(
      {request.head, body.substr(0, request.splice_at), spliced, body.substr(request.splice_at)});
  if (wec) {
    watchdog_.disarm();
    co_return fail(timeout_or(FailureKind::first_byte_timeout, FailureKind::closed,
                              "writing the request: " + wec.message(), false));
  }
  bool got_bytes = false;
  while (!parser_.head_complete()) {
    auto [ec, bytes] = co_await conn_->read_available();
    if (ec) {
      watchdog_.disarm();
      co_return fail(timeout_or(FailureKind::first_byte_timeout, FailureKind::closed,
                                is_eof(ec) ? "before sending a response" : ec.message(),
                                got_bytes));
    }
    got_bytes = true;
    auto used = parser_.feed(bytes, pending_body_);
    if (!used) {
      watchdog_.disarm();
      co_return fail(UpstreamFailure{FailureKind::protocol, used.error(), true});
    }
  }
  watchdog_.disarm();
  co_return Result<void, UpstreamFailure>();
}

asio::awaitable<Result<bool, UpstreamFailure>> UpstreamExchange::read_body(std::string& out) {
  if (!pending_body_.empty()) {
    if (out.empty()) {
      out.swap(pending_body_);  // the common case: no copy
    } else {
      out += pending_body_;
    }
    pending_body_.clear();
    co_return !parser_.complete();
  }
  if (parser_.complete()) {
    co_return false;
  }
  UpstreamConnection* raw = conn_.get();
  watchdog_.arm(deadline_after(client_.config().timeouts.idle), [raw] { raw->close(); });
  auto [ec, bytes] = co_await conn_->read_available();
  watchdog_.disarm();
  if (ec) {
    if (is_eof(ec) && !watchdog_.fired()) {
      auto done = parser_.finish_eof();
      broken_ = true;  // EOF: never reusable
      if (done) {
        co_return false;
      }
      co_return fail(
          UpstreamFailure{FailureKind::closed, "before the response was complete", true});
    }
    broken_ = true;
    co_return fail(timeout_or(FailureKind::idle_timeout, FailureKind::closed,
                              "in the middle of the response: " + ec.message(), true));
  }
  auto used = parser_.feed(bytes, out);
  if (!used) {
    broken_ = true;
    co_return fail(UpstreamFailure{FailureKind::protocol, used.error(), true});
  }
  co_return !parser_.complete();
}

asio::awaitable<Result<std::string, UpstreamFailure>> UpstreamExchange::read_all(
    std::size_t limit) {
  std::string body;
  while (true) {
    auto more = co_await read_body(body);
    if (!more) {
      co_return fail(std::move(more).error());
    }
    if (body.size() > limit) {
      broken_ = true;
      co_return fail(
          UpstreamFailure{FailureKind::protocol,
                          "response body larger than " + std::to_string(limit) + " bytes", true});
    }
    if (!*more) {
      co_return body;
    }
  }
}

}  // namespace ccproxy::worker
