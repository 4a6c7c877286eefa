#include "worker/http/messages_handler.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "worker/convert/convert.h"
#include "worker/convert/providers/anthropic_betas.h"
#include "worker/convert/providers/resolve.h"
#include "worker/http/failover.h"
#include "worker/http/request_record.h"
#include "worker/http/response_head.h"
#include "worker/http/usage_record.h"
#include "worker/http/usage_scanner.h"
#include "worker/http/worker_context.h"
#include "worker/request_log.h"
#include "worker/upstream/failure.h"

namespace ccproxy::worker {
namespace {

using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t kMaxResponseBody = 64u << 20;

/// A complete (non-streamed) answer. Coroutines here take such objects by reference to a
/// named local: GCC 12 miscompiles some temporaries passed by value into coroutines (double
/// destruction), so no coroutine call in the worker gets a non-trivial temporary.
struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
};

asio::awaitable<HandlerOutcome> send_reply(WorkerContext& ctx, ClientChannel& client,
                                           const IncomingRequest& req, Reply& reply) {
  ResponseHead head;
  head.status = reply.status;
  head.content_type = reply.content_type;
  head.content_length = reply.body.size();
  head.keep_alive = req.keep_alive && !ctx.shutting_down;
  head.headers = reply.headers;
  head.headers.emplace_back("request-id", req.id);
  std::string bytes = serialize(head);
  bytes += reply.body;
  bool ok = co_await client.write(bytes);
  co_return HandlerOutcome{reply.status, !ok || !head.keep_alive};
}

/// Every error answer goes through here; error events go through StreamOutput.
Reply error_reply(const convert::ApiError& raw_error, const WorkerConfig& config,
                  RequestRecord& record) {
  const convert::ApiError error = for_client(raw_error, config);
  record.error = error.message;
  Reply r;
  r.status = error.status;
  r.body = convert::error_body(error);
  return r;
}

/// What a translated answer is written for: the client's model, the provider and its model.
convert::ResponseContext response_context(const RequestRecord& record) {
  return convert::ResponseContext{new_message_id(), record.client_model, record.provider,
                                  record.upstream_model};
}

void log_body(WorkerContext& ctx, const IncomingRequest& req, std::string_view what,
              std::string_view body) {
  if (ctx.log->should_log(spdlog::level::debug)) {
    ctx.log->debug("{} {}: {}", req.id, what, redact_secrets(body, secrets_of(ctx.config)));
  }
}

/// The head of a streamed answer: chunked SSE, with the upstream's content type in pass-through.
ResponseHead stream_head(const WorkerContext& ctx, const IncomingRequest& req,
                         const UpstreamExchange& exchange, bool passthrough) {
  ResponseHead head;
  head.status = 200;
  head.content_type = "text/event-stream";
  if (passthrough) {
    std::string_view upstream_type = exchange.response().header("content-type");
    if (!upstream_type.empty()) {
      head.content_type = std::string(upstream_type);
    }
  }
  head.content_length = std::nullopt;  // chunked
  head.keep_alive = req.keep_alive && !ctx.shutting_down;
  head.headers.emplace_back("Cache-Control", "no-cache");
  head.headers.emplace_back("X-Accel-Buffering", "no");
  head.headers.emplace_back("request-id", req.id);
  return head;
}

/// What the client gets of the upstream's stream, as chunks appended to the output: the bytes
/// as they came in pass-through (their usage noted on the way), Anthropic events otherwise.
class StreamOutput {
 public:
  StreamOutput(bool passthrough, const RequestRecord& record, const WorkerConfig& config)
      : passthrough_(passthrough), config_(config), translator_(response_context(record)) {}

  /// Upstream bytes (taken: `in` is left with unspecified contents).
  void feed(std::string& in, std::string& pending) {
    out_.clear();
    if (passthrough_) {
      scanner_.feed(in);
      out_.swap(in);
    } else {
      translator_.feed(in, out_);
    }
    if (may_hold_error_event()) {
      redact_error_event();
    }
    append_chunk(pending, out_);
  }
  /// The upstream failed mid-stream: an error event ends what the client gets. `error` is
  /// fit for the client (for_client).
  void fail(const convert::ApiError& error, std::string& pending) {
    out_.clear();
    if (passthrough_) {
      out_ = convert::error_event(error);
    } else {
      translator_.fail(error, out_);
    }
    append_chunk(pending, out_);
  }
  /// The upstream's body is complete.
  void finish(std::string& pending) {
    if (!passthrough_) {
      out_.clear();
      translator_.finish(out_);
      append_chunk(pending, out_);
    }
  }
  /// message_stop (or an error event) went out: the client has all it will get.
  bool finished() const { return !passthrough_ && translator_.finished(); }
  convert::Usage usage() const { return passthrough_ ? scanner_.usage() : translator_.usage(); }
  /// An error event went out (the upstream's own, or the translation of its error chunk).
  bool error_seen() const { return error_seen_; }

 private:
  /// Searching every chunk of every stream for an error event would cost about a nanosecond per
  /// byte relayed: a translation writes one only as the last thing it writes (then it is
  /// finished), and in pass-through the scanner sees its `event:` line go by.
  bool may_hold_error_event() const {
    return passthrough_ ? scanner_.error_seen() : translator_.finished();
  }
  /// An error event in the output (the upstream's own in pass-through, or the translation of
  /// an error the upstream sent inside its stream) ends it: the configured secrets are
  /// redacted from it on, in pass-through from every later read too. A secret split across two
  /// upstream reads in pass-through is not seen.
  void redact_error_event() {
    std::size_t at = out_.find("event: error");
    if (at == std::string::npos) {
      if (!passthrough_) {
        return;  // the translation ended with message_stop
      }
      at = 0;  // the upstream's error event began in an earlier read
    }
    error_seen_ = true;
    out_.replace(at, std::string::npos,
                 redact_secrets(std::string_view(out_).substr(at), secrets_of(config_)));
  }

  bool passthrough_;
  const WorkerConfig& config_;
  convert::StreamTranslator translator_;
  UsageScanner scanner_;
  std::string out_;
  bool error_seen_ = false;
};

asio::awaitable<HandlerOutcome> relay_stream(WorkerContext& ctx, ClientChannel& client,
                                             const IncomingRequest& req, UpstreamExchange& exchange,
                                             bool passthrough, RequestRecord& record) {
  const ResponseHead head = stream_head(ctx, req, exchange, passthrough);
  // Output is gathered in `pending` and written when the next upstream read may have to
  // wait, so bytes that are already here leave in one write: the head with what came along
  // with the upstream's head, the last events with the end of the body.
  std::string pending = serialize(head);

  ctx.metrics.stream_opened();
  struct StreamGauge {
    Metrics& m;
    ~StreamGauge() { m.stream_closed(); }
  } gauge{ctx.metrics};

  StreamOutput output(passthrough, record, ctx.config);
  std::string in;
  bool client_ok = true;
  while (true) {
    if (!pending.empty() && !exchange.has_buffered_body()) {
      client_ok = co_await client.write(pending);
      pending.clear();
      if (!client_ok) {
        break;
      }
    }
    in.clear();
    auto more = co_await exchange.read_body(in);
    if (!more) {
      const UpstreamFailure& failure = more.error();
      ctx.metrics.upstream_error(metrics_kind(failure.kind));
      const convert::ApiError error = for_client(to_api_error(failure), ctx.config);
      record.error = error.message;
      record.upstream_broke = true;
      output.fail(error, pending);
      break;
    }
    output.feed(in, pending);
    if (!*more) {
      output.finish(pending);
      break;
    }
    if (output.finished()) {
      break;
    }
  }
  record.usage = output.usage();
  if (output.error_seen()) {
    record.upstream_broke = true;  // the upstream's own error event (or error chunk)
  }
  if (client_ok) {
    pending += kLastChunk;
    client_ok = co_await client.write(pending);
  }
  co_return HandlerOutcome{200, !client_ok || !head.keep_alive};
}

asio::awaitable<HandlerOutcome> answer_whole(WorkerContext& ctx, ClientChannel& client,
                                             const IncomingRequest& req, UpstreamExchange& exchange,
                                             bool passthrough, RequestRecord& record) {
  auto body = co_await exchange.read_all(kMaxResponseBody);
  Reply reply;
  if (!body) {
    ctx.metrics.upstream_error(metrics_kind(body.error().kind));
    record.upstream_broke = true;
    reply = error_reply(to_api_error(body.error()), ctx.config, record);
  } else if (passthrough) {
    log_body(ctx, req, "upstream response", *body);
    record.usage = convert::anthropic_usage(*body);
    std::string type(exchange.response().header("content-type"));
    reply.body = std::move(*body);
    if (!type.empty()) {
      reply.content_type = type;
    }
  } else {
    log_body(ctx, req, "upstream response", *body);
    auto converted = convert::to_anthropic_response(*body, response_context(record));
    if (!converted) {
      reply = error_reply(converted.error(), ctx.config, record);
    } else {
      record.usage = converted->usage;
      reply.body = std::move(converted->body);
    }
  }
  co_return co_await send_reply(ctx, client, req, reply);
}

/// The request's line in the log: models, status, time, tokens, retries, the last error.
void log_request(WorkerContext& ctx, const IncomingRequest& req, const RequestRecord& record,
                 const HandlerOutcome& outcome) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - req.started);
  std::string model = record.upstream_model.empty() ? "-" : record.upstream_model;
  if (record.route != nullptr) {
    model = fmt::format("{} ({})", model, record.route);  // the routing rule that chose it
  }
  std::string line = fmt::format("{} {} -> {} {} {}ms in={} out={} {}", req.id,
                                 record.client_model.empty() ? "-" : record.client_model, model,
                                 outcome.status, ms.count(), record.usage.input_tokens,
                                 record.usage.output_tokens, record.stream ? "stream" : "json");
  if (record.retries > 0) {
    line += fmt::format(" retries={}", record.retries);
  }
  if (!record.upstream.empty()) {
    line += " upstream=" + record.upstream;
  }
  if (!record.failed_upstreams.empty()) {
    line += " failed=";
    for (std::size_t i = 0; i < record.failed_upstreams.size(); ++i) {
      line += (i == 0 ? "" : ",") + record.failed_upstreams[i];
    }
  }
  if (!record.error.empty()) {
    line += " error=\"" + record.error + "\"";
  }
  if (outcome.status >= 500 || outcome.status == 499) {
    ctx.log->warn("{}", line);
  } else {
    ctx.log->info("{}", line);
  }
}

/// The client's EOF as seen from the upstream request. A client whose EOF was there before the
/// request went upstream shut its sending side after its request (shutdown(SHUT_WR)) and still
/// reads the answer: it gets it (a failed write says if it left after all). A client whose EOF
/// comes once the upstream has the request left. (Only a write could tell a half-close from a
/// close, and nothing may be written before the answer.)
struct ClientInput {
  bool request_sent = false;
  bool finished_before_send = false;

  /// CallGuard::before_send.
  void on_send(ClientChannel& client) {
    if (!request_sent) {
      request_sent = true;
      finished_before_send = client.input_finished();
    }
  }
  bool half_closed() const { return !request_sent || finished_before_send; }
};

/// Cancels the upstream work when the client leaves (see ClientInput).
asio::awaitable<void> watch_client(ClientChannel& client, CallGuard& guard,
                                   const ClientInput& input) {
  co_await asio::this_coro::throw_if_cancelled(false);
  const ClientEnd end = co_await client.wait_for_disconnect();
  const bool half_closed = end == ClientEnd::input_finished && input.half_closed();
  if (end == ClientEnd::gone || (end == ClientEnd::input_finished && !half_closed)) {
    guard.cancel();
    co_return;
  }
  if (half_closed) {
    // Wait to be cancelled: returning would end the race with call_upstream.
    asio::steady_timer forever(co_await asio::this_coro::executor, Clock::time_point::max());
    co_await forever.async_wait(kNoThrow);
  }
}

/// The pool's attempts, then the answer. Runs raced against the client watcher: cancelled as a
/// whole when the client goes away.
asio::awaitable<HandlerOutcome> call_upstream(WorkerContext& ctx, ClientChannel& client,
                                              IncomingRequest& req, CallGuard& guard,
                                              RequestRecord& record) {
  co_await asio::this_coro::throw_if_cancelled(false);
  UpstreamCall call;
  co_await call_pool(ctx, req, guard, record, call);
  if (call.cancelled || guard.cancelled) {
    co_return HandlerOutcome{499, true};
  }
  if (!call.exchange) {
    Reply reply = error_reply(call.error, ctx.config, record);
    reply.headers = std::move(call.headers);
    co_return co_await send_reply(ctx, client, req, reply);
  }
  const bool passthrough =
      ctx.upstreams[call.attempt.upstream]->config().format == UpstreamFormat::anthropic;
  HandlerOutcome outcome;
  if (record.stream) {
    outcome = co_await relay_stream(ctx, client, req, *call.exchange, passthrough, record);
  } else {
    outcome = co_await answer_whole(ctx, client, req, *call.exchange, passthrough, record);
  }
  if (record.upstream_broke) {
    // It cannot move any more, but it counts against the upstream that broke it.
    ctx.pool.failed(call.attempt, FailureScope::upstream, std::nullopt, record.error);
  }
  co_return outcome;
}

}  // namespace

asio::awaitable<HandlerOutcome> handle_messages(WorkerContext& ctx, ClientChannel& client,
                                                IncomingRequest& req) {
  RequestRecord record;
  const WorkerConfig& config = ctx.config;
  if (ctx.log->should_log(spdlog::level::debug)) {
    ctx.log->debug("{} request body: {}", req.id, redact_secrets(req.body, secrets_of(config)));
  }
  CallGuard guard;
  ClientInput input;
  guard.before_send = [&input, &client] { input.on_send(client); };
  auto result = co_await (call_upstream(ctx, client, req, guard, record) ||
                          watch_client(client, guard, input));
  HandlerOutcome outcome;
  if (result.index() == 0) {
    outcome = std::get<0>(result);
  } else {
    outcome = HandlerOutcome{499, true};
    record.error = "client closed the connection";
  }
  ctx.metrics.tokens(record.usage.input_tokens, record.usage.output_tokens);
  if (record.route != nullptr) {
    ctx.metrics.routed(record.route);
  }
  log_request(ctx, req, record, outcome);
  record_usage(ctx, req, client,
               FinishedRequest{record.client_model, record.upstream_model, record.upstream,
                               record.stream, record.usage, outcome.status});
  co_return outcome;
}

}  // namespace ccproxy::worker
