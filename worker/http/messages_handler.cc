// POST /v1/messages: one client request through conversion, the upstream (with retries before
// the first byte), and back, streaming included. The client connection is watched the whole
// time: when the client goes away the upstream request is cancelled at once.

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "worker/convert/convert.h"
#include "worker/request_log.h"
#include "worker/http/response_head.h"
#include "worker/upstream/failure.h"
#include "worker/worker_context.h"

namespace ccproxy::worker {
namespace {

using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

/// Frees a string's memory (clear() keeps the capacity).
void release(std::string& s) {
  std::string empty;
  s.swap(empty);
}
constexpr std::size_t kMaxErrorBody = 1u << 20;
constexpr std::size_t kMaxResponseBody = 64u << 20;

/// What one request did, for its log line.
struct RequestRecord {
  std::string client_model;
  std::string upstream_model;
  bool stream = false;
  convert::Usage usage;
  int retries = 0;
  std::string error;  // the last failure, when the request failed
};

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

Reply error_reply(const convert::ApiError& error, RequestRecord& record) {
  record.error = error.message;
  Reply r;
  r.status = error.status;
  r.body = convert::error_body(error);
  return r;
}

void log_body(WorkerContext& ctx, const IncomingRequest& req, std::string_view what,
              std::string_view body) {
  if (ctx.log->should_log(spdlog::level::debug)) {
    ctx.log->debug("{} {}: {}", req.id, what,
                   redact_secrets(body, {ctx.config.upstream.api_key, ctx.config.client_api_key}));
  }
}

/// Keeps the SSE data lines that carry usage, so pass-through streams can be accounted for
/// without holding the whole stream.
class UsageScanner {
 public:
  void feed(std::string_view bytes) {
    partial_.append(bytes);
    std::size_t start = 0;
    while (true) {
      std::size_t nl = partial_.find('\n', start);
      if (nl == std::string::npos) {
        break;
      }
      std::string_view line(partial_.data() + start, nl - start);
      if (line.substr(0, 5) == "data:" && line.find("\"usage\"") != std::string_view::npos) {
        kept_.append(line);
        kept_ += "\n\n";
      }
      start = nl + 1;
    }
    partial_.erase(0, start);
    if (partial_.size() > (4u << 20)) {
      partial_.clear();  // a line this long is no usage line worth keeping
    }
  }
  convert::Usage usage() const { return convert::anthropic_usage(kept_); }

 private:
  std::string partial_;
  std::string kept_;
};

asio::awaitable<HandlerOutcome> relay_stream(WorkerContext& ctx, ClientChannel& client,
                                             const IncomingRequest& req, UpstreamExchange& exchange,
                                             RequestRecord& record) {
  const bool passthrough = ctx.config.upstream.format == UpstreamFormat::anthropic;
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
  // Output is gathered in `pending` and written when the next upstream read may have to
  // wait, so bytes that are already here leave in one write: the head with what came along
  // with the upstream's head, the last events with the end of the body.
  std::string pending = serialize(head);

  ctx.metrics.stream_opened();
  struct StreamGauge {
    Metrics& m;
    ~StreamGauge() { m.stream_closed(); }
  } gauge{ctx.metrics};

  convert::StreamTranslator translator(
      convert::ResponseContext{new_message_id(), record.client_model});
  UsageScanner scanner;
  std::string in;
  std::string out;
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
    out.clear();
    auto more = co_await exchange.read_body(in);
    if (!more) {
      const UpstreamFailure& failure = more.error();
      ctx.metrics.upstream_error(metrics_kind(failure.kind));
      convert::ApiError error = to_api_error(failure);
      record.error = error.message;
      if (passthrough) {
        out = convert::error_event(error);
      } else {
        translator.fail(error, out);
      }
      append_chunk(pending, out);
      break;
    }
    if (passthrough) {
      scanner.feed(in);
      out.swap(in);
    } else {
      translator.feed(in, out);
    }
    append_chunk(pending, out);
    if (!*more) {
      if (!passthrough) {
        out.clear();
        translator.finish(out);
        append_chunk(pending, out);
      }
      break;
    }
    if (!passthrough && translator.finished()) {
      // message_stop (or an error event) went out: the client has all it will get.
      break;
    }
  }
  record.usage = passthrough ? scanner.usage() : translator.usage();
  if (client_ok) {
    pending += kLastChunk;
    client_ok = co_await client.write(pending);
  }
  co_return HandlerOutcome{200, !client_ok || !head.keep_alive};
}

asio::awaitable<HandlerOutcome> answer_whole(WorkerContext& ctx, ClientChannel& client,
                                             const IncomingRequest& req, UpstreamExchange& exchange,
                                             RequestRecord& record) {
  auto body = co_await exchange.read_all(kMaxResponseBody);
  Reply reply;
  if (!body) {
    ctx.metrics.upstream_error(metrics_kind(body.error().kind));
    reply = error_reply(to_api_error(body.error()), record);
  } else if (ctx.config.upstream.format == UpstreamFormat::anthropic) {
    log_body(ctx, req, "upstream response", *body);
    record.usage = convert::anthropic_usage(*body);
    std::string type(exchange.response().header("content-type"));
    reply.body = std::move(*body);
    if (!type.empty()) {
      reply.content_type = type;
    }
  } else {
    log_body(ctx, req, "upstream response", *body);
    auto converted = convert::to_anthropic_response(
        *body, convert::ResponseContext{new_message_id(), record.client_model});
    if (!converted) {
      reply = error_reply(converted.error(), record);
    } else {
      record.usage = converted->usage;
      reply.body = std::move(converted->body);
    }
  }
  co_return co_await send_reply(ctx, client, req, reply);
}

std::optional<std::chrono::milliseconds> retry_after_of(const HttpResponseParser& response) {
  if (auto ms = response.header("retry-after-ms"); !ms.empty()) {
    if (auto v = parse_retry_after_ms(ms)) {
      return v;
    }
  }
  if (auto s = response.header("retry-after"); !s.empty()) {
    return parse_retry_after(s, std::chrono::system_clock::now());
  }
  return std::nullopt;
}

/// Attempts (with retries) until a 2xx, then the answer. Runs raced against the client
/// watcher: cancelled as a whole when the client goes away.
asio::awaitable<HandlerOutcome> call_upstream(WorkerContext& ctx, ClientChannel& client,
                                              const IncomingRequest& req, OutgoingRequest& request,
                                              CallGuard& guard, RequestRecord& record) {
  // Cancellation must surface as error codes here, not as exceptions.
  co_await asio::this_coro::throw_if_cancelled(false);
  auto executor = co_await asio::this_coro::executor;
  const auto total_deadline = req.started + ctx.config.timeouts.total;
  std::unique_ptr<UpstreamExchange> exchange;
  while (true) {
    auto opened = co_await UpstreamExchange::open(ctx.upstream, request, total_deadline, guard);
    if (guard.cancelled) {
      co_return HandlerOutcome{499, true};
    }
    Attempt attempt;
    convert::ApiError error;
    std::vector<std::pair<std::string, std::string>> extra;
    if (!opened) {
      const UpstreamFailure& failure = opened.error();
      ctx.metrics.upstream_error(metrics_kind(failure.kind));
      attempt = to_attempt(failure);
      error = to_api_error(failure);
    } else {
      exchange = std::move(opened).value();
      int status = exchange->status();
      if (status >= 200 && status <= 299) {
        break;
      }
      auto body = co_await exchange->read_all(kMaxErrorBody);
      if (guard.cancelled) {
        co_return HandlerOutcome{499, true};
      }
      ctx.metrics.upstream_error("status");
      attempt = Attempt{AttemptFailure::status, status, retry_after_of(exchange->response())};
      error = convert::upstream_error(status, body ? std::string_view(*body) : "");
      if (auto ra = exchange->response().header("retry-after"); !ra.empty()) {
        extra.emplace_back("retry-after", std::string(ra));
      }
      exchange.reset();
    }
    auto delay = ctx.retry.next_delay(record.retries, attempt);
    if (delay && Clock::now() + *delay < total_deadline) {
      ctx.metrics.retry();
      ++record.retries;
      ctx.log->warn("{} upstream attempt {} failed ({} {}), retrying in {} ms", req.id,
                    record.retries, error.status, error.message, delay->count());
      asio::steady_timer timer(executor);
      timer.expires_after(*delay);
      co_await timer.async_wait(kNoThrow);
      if (guard.cancelled) {
        co_return HandlerOutcome{499, true};
      }
      continue;
    }
    Reply reply = error_reply(error, record);
    reply.headers = std::move(extra);
    co_return co_await send_reply(ctx, client, req, reply);
  }
  // Answered: no retry will need the request again.
  release(request.head);
  release(request.body);
  request.spliced.reset();
  if (record.stream) {
    co_return co_await relay_stream(ctx, client, req, *exchange, record);
  }
  co_return co_await answer_whole(ctx, client, req, *exchange, record);
}

asio::awaitable<void> watch_client(ClientChannel& client, CallGuard& guard) {
  co_await asio::this_coro::throw_if_cancelled(false);
  bool gone = co_await client.wait_for_disconnect();
  if (gone) {
    guard.cancel();
  }
  co_return;
}

}  // namespace

asio::awaitable<HandlerOutcome> handle_messages(WorkerContext& ctx, ClientChannel& client,
                                                IncomingRequest& req) {
  RequestRecord record;
  const WorkerConfig& config = ctx.config;
  if (ctx.log->should_log(spdlog::level::debug)) {
    ctx.log->debug("{} request body: {}", req.id,
                   redact_secrets(req.body, {config.upstream.api_key, config.client_api_key}));
  }
  convert::RequestOptions options;
  options.models = &config.models;
  options.max_tokens = config.max_tokens;
  options.body_padded = req.body.capacity() >= req.body.size() + convert::kInputPadding;
  options.splice_tools = true;
  auto converted = config.upstream.format == UpstreamFormat::openai
                       ? convert::to_openai_request(req.body, options)
                       : convert::to_passthrough_request(req.body, options);
  HandlerOutcome outcome;
  if (!converted) {
    Reply reply = error_reply(converted.error(), record);
    outcome = co_await send_reply(ctx, client, req, reply);
  } else {
    record.client_model = converted->client_model;
    record.upstream_model = converted->upstream_model;
    record.stream = converted->stream;
    if (ctx.log->should_log(spdlog::level::debug)) {
      ctx.log->debug(
          "{} upstream request body: {}", req.id,
          redact_secrets(converted->joined(), {config.upstream.api_key, config.client_api_key}));
    }
    OutgoingRequest request =
        ctx.upstream.build_request(std::move(converted->body), converted->stream,
                                   req.anthropic_beta, converted->spliced, converted->splice_at);
    // The client's body is converted: a long stream should not keep it.
    release(req.body);
    CallGuard guard;
    auto result = co_await (call_upstream(ctx, client, req, request, guard, record) ||
                            watch_client(client, guard));
    if (result.index() == 0) {
      outcome = std::get<0>(result);
    } else {
      outcome = HandlerOutcome{499, true};
      record.error = "client closed the connection";
    }
  }
  ctx.metrics.tokens(record.usage.input_tokens, record.usage.output_tokens);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - req.started);
  std::string line = fmt::format("{} {} -> {} {} {}ms in={} out={} {}", req.id,
                                 record.client_model.empty() ? "-" : record.client_model,
                                 record.upstream_model.empty() ? "-" : record.upstream_model,
                                 outcome.status, ms.count(), record.usage.input_tokens,
                                 record.usage.output_tokens, record.stream ? "stream" : "json");
  if (record.retries > 0) {
    line += fmt::format(" retries={}", record.retries);
  }
  if (!record.error.empty()) {
    line += " error=\"" + record.error + "\"";
  }
  if (outcome.status >= 500 || outcome.status == 499) {
    ctx.log->warn("{}", line);
  } else {
    ctx.log->info("{}", line);
  }
  co_return outcome;
}

}  // namespace ccproxy::worker
