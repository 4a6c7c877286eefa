#include "worker/http/failover.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "worker/convert/model_mapping.h"
#include "worker/convert/providers/anthropic_betas.h"
#include "worker/convert/providers/resolve.h"
#include "worker/convert/routing.h"
#include "worker/request_log.h"
#include "worker/upstream/failure.h"
#include "worker/upstream/retry_policy.h"

namespace ccproxy::worker {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxErrorBody = 1u << 20;

/// Frees a string's memory (clear() keeps the capacity).
void release(std::string& s) {
  std::string empty;
  s.swap(empty);
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

/// Who a failed status is about: nullopt for a bad request (the client's problem: no failover,
/// no cooldown), the key for refusals that belong to one key, else the upstream.
std::optional<FailureScope> scope_of_status(int status) {
  if (status == 401 || status == 402 || status == 403 || status == 429) {
    return FailureScope::key;
  }
  if (status >= 500) {
    return FailureScope::upstream;
  }
  return std::nullopt;
}

/// The session a request belongs to: Claude Code's session id, else the client connection.
std::string session_of(const IncomingRequest& req) {
  if (!req.session_id.empty()) {
    return "s:" + req.session_id;
  }
  return "c:" + std::to_string(req.connection_id);
}

/// A client model that some upstream forwards unchanged ("vendor/model"): any upstream may
/// take it.
bool passed_through(const WorkerConfig& config, std::string_view client_model) {
  return std::any_of(
      config.upstreams.begin(), config.upstreams.end(),
      [&](const UpstreamConfig& u) { return convert::passes_through(client_model, u.models); });
}

/// The tiers some upstream of the pool serves: a routing rule whose tier none serves does
/// nothing.
convert::TierSet served_by_pool(const WorkerConfig& config) {
  convert::TierSet served;
  for (const UpstreamConfig& u : config.upstreams) {
    served |= convert::TierSet::served_by(u.models);
  }
  return served;
}

/// The request as the attempts send it: converted for one upstream at a time.
struct Prepared {
  std::optional<std::size_t> upstream;  // whose conversion `request` holds
  OutgoingRequest request;
  bool stream = false;
  std::string betas;  // the client's anthropic-beta values this upstream is sent
  convert::Route route;
};

/// Converts the request for `upstream` (its format, models and provider rules) into
/// `prepared`, with key `key`. false: the request cannot be converted (out.error says why).
bool convert_for(WorkerContext& ctx, const IncomingRequest& req, std::size_t upstream,
                 std::size_t key, const convert::TierSet& served, Prepared& prepared,
                 RequestRecord& record, UpstreamCall& out) {
  const UpstreamClient& client = *ctx.upstreams[upstream];
  const UpstreamConfig& config = client.config();
  convert::RequestOptions options;
  options.models = &config.models;
  options.routing = &ctx.config.routing;
  options.served = &served;
  options.max_tokens = ctx.config.max_tokens;
  options.body_padded = req.body.capacity() >= req.body.size() + convert::kInputPadding;
  options.splice_tools = true;
  options.provider_of = [&client](std::string_view model) { return client.provider_for(model); };
  options.reasoning = config.reasoning;
  // Only an Anthropic-format upstream is sent anthropic-beta (UpstreamClient::head).
  prepared.betas = config.format == UpstreamFormat::anthropic
                       ? convert::providers::forwarded_betas(req.anthropic_beta, config)
                       : std::string();
  options.drop_beta_fields = true;
  options.forwarded_betas = prepared.betas;
  auto converted = config.format == UpstreamFormat::openai
                       ? convert::to_openai_request(req.body, options)
                       : convert::to_passthrough_request(req.body, options);
  if (!converted) {
    out.error = for_client(converted.error(), ctx.config);
    return false;
  }
  record.client_model = converted->client_model;
  record.upstream_model = converted->upstream_model;
  record.route = convert::route_name(converted->route);
  record.provider = converted->provider;
  record.stream = converted->stream;
  if (ctx.log->should_log(spdlog::level::debug)) {
    ctx.log->debug("{} upstream request body for {}: {}", req.id, config.name,
                   redact_secrets(converted->joined(), secrets_of(ctx.config)));
  }
  prepared.stream = converted->stream;
  prepared.route = converted->route;
  prepared.request =
      client.build_request(std::move(converted->body), converted->stream, prepared.betas, key,
                           converted->spliced, converted->splice_at);
  prepared.upstream = upstream;
  return true;
}

/// `prepared` made ready for `attempt`: converted when the upstream changed, else given the
/// attempt's key. false: the request cannot be converted (out.error says why).
bool prepare(WorkerContext& ctx, const IncomingRequest& req, const UpstreamPool::Attempt& attempt,
             const convert::TierSet& served, Prepared& prepared, RequestRecord& record,
             UpstreamCall& out) {
  if (prepared.upstream == attempt.upstream) {
    ctx.upstreams[attempt.upstream]->set_key(prepared.request, prepared.stream, prepared.betas,
                                             attempt.key);
    return true;
  }
  return convert_for(ctx, req, attempt.upstream, attempt.key, served, prepared, record, out);
}

/// The tier a request goes to. With routing tiers in the pool, the rules read the request:
/// it is converted once for the first upstream serving its family tier (kept for the first
/// attempt when that goes there too). nullopt: it cannot be converted (out.error says why).
std::optional<Tier> routed_tier(WorkerContext& ctx, const IncomingRequest& req, Tier family,
                                const convert::TierSet& served, Prepared& prepared,
                                RequestRecord& record, UpstreamCall& out) {
  if (!served.has(Tier::vision) && !served.has(Tier::long_context) && !served.has(Tier::think)) {
    return family;
  }
  std::size_t first = 0;
  for (std::size_t i = 0; i < ctx.config.upstreams.size(); ++i) {
    if (!ctx.config.upstreams[i].models.model_for(family).empty()) {
      first = i;
      break;
    }
  }
  if (!convert_for(ctx, req, first, 0, served, prepared, record, out)) {
    return std::nullopt;
  }
  return prepared.route.rule == convert::RouteRule::client ? family : prepared.route.tier;
}

/// How one failed attempt ended, for the pool, the retry decision and the client.
struct Failure {
  Attempt attempt;
  std::optional<FailureScope> scope = FailureScope::upstream;  // nullopt: the client's problem
  convert::ApiError error;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// One attempt on `attempt`'s upstream. true: it answered 2xx (out.exchange holds it).
asio::awaitable<bool> try_once(WorkerContext& ctx, const Prepared& prepared, CallGuard& guard,
                               Clock::time_point total_deadline,
                               const UpstreamPool::Attempt& attempt, UpstreamCall& out,
                               Failure& failure) {
  UpstreamClient& client = *ctx.upstreams[attempt.upstream];
  auto opened = co_await UpstreamExchange::open(client, prepared.request, total_deadline, guard);
  if (guard.cancelled) {
    co_return false;
  }
  failure = Failure{};
  if (!opened) {
    const UpstreamFailure& f = opened.error();
    ctx.metrics.upstream_error(metrics_kind(f.kind));
    failure.attempt = to_attempt(f);
    failure.error = for_client(to_api_error(f), ctx.config);
    co_return false;
  }
  std::unique_ptr<UpstreamExchange> exchange = std::move(opened).value();
  const int status = exchange->status();
  if (status >= 200 && status <= 299) {
    out.exchange = std::move(exchange);
    co_return true;
  }
  auto body = co_await exchange->read_all(kMaxErrorBody);
  if (guard.cancelled) {
    co_return false;
  }
  ctx.metrics.upstream_error("status");
  failure.attempt = Attempt{AttemptFailure::status, status, retry_after_of(exchange->response())};
  failure.scope = scope_of_status(status);
  failure.error =
      for_client(convert::upstream_error(status, body ? std::string_view(*body) : ""), ctx.config);
  // The only upstream header copied to the client: only a well-formed value.
  if (auto ra = exchange->response().header("retry-after"); retry_after_copyable(ra)) {
    failure.headers.emplace_back("retry-after", std::string(ra));
  }
  co_return false;
}

}  // namespace

std::vector<std::string_view> secrets_of(const WorkerConfig& config) {
  std::vector<std::string_view> out;
  for (const auto& u : config.upstreams) {
    for (const auto& k : u.api_keys) {
      out.push_back(k);
    }
  }
  out.push_back(config.client_api_key);
  return out;
}

convert::ApiError for_client(convert::ApiError error, const WorkerConfig& config) {
  error.message = redact_secrets(error.message, secrets_of(config));
  return error;
}

asio::awaitable<void> call_pool(WorkerContext& ctx, IncomingRequest& req, CallGuard& guard,
                                RequestRecord& record, UpstreamCall& out) {
  // Cancellation must surface as error codes here, not as exceptions.
  co_await asio::this_coro::throw_if_cancelled(false);
  auto executor = co_await asio::this_coro::executor;
  const auto total_deadline = req.started + ctx.config.timeouts.total;
  const std::string session = session_of(req);
  const std::string_view client_model = convert::peek_model(req.body);
  const bool any_tier = passed_through(ctx.config, client_model);
  const convert::TierSet served = served_by_pool(ctx.config);
  Prepared prepared;
  const std::optional<Tier> routed =
      routed_tier(ctx, req, convert::family_tier(client_model), served, prepared, record, out);
  if (!routed) {
    co_return;
  }
  const Tier tier = *routed;
  Failure last;
  while (true) {
    UpstreamPool::Candidates candidates = ctx.pool.candidates(tier, any_tier, session);
    bool tried = false;
    // A candidate may have started cooling (another request failed on it) since the order was
    // made; when none could be begun, the order is taken as all-cooling.
    for (int pass = 0; pass < 2 && !tried; ++pass) {
      const bool forced = candidates.forced || pass == 1;
      for (std::size_t i = 0; i < candidates.order.size();) {
        auto attempt = ctx.pool.begin(candidates.order[i], session, forced);
        if (!attempt) {
          ++i;
          continue;
        }
        tried = true;
        if (!prepare(ctx, req, *attempt, served, prepared, record, out)) {
          ctx.pool.released(*attempt);
          co_return;
        }
        const bool answered =
            co_await try_once(ctx, prepared, guard, total_deadline, *attempt, out, last);
        const std::string& name = ctx.pool.name(attempt->upstream);
        if (guard.cancelled) {
          ctx.pool.released(*attempt);
          out.cancelled = true;
          co_return;
        }
        if (answered) {
          ctx.pool.succeeded(*attempt, session);
          record.upstream = name;
          out.attempt = *attempt;
          // Answered: neither another attempt nor the stream needs the request again.
          release(req.body);
          co_return;
        }
        if (!last.scope) {  // a bad request: answered as it is
          ctx.pool.released(*attempt);
          record.upstream = name;
          out.error = std::move(last.error);
          out.headers = std::move(last.headers);
          co_return;
        }
        const bool key_failure = *last.scope == FailureScope::key;
        std::optional<std::chrono::milliseconds> cool_for;
        if (last.attempt.status == 429 && last.attempt.retry_after) {
          cool_for = last.attempt.retry_after;
        }
        ctx.pool.failed(*attempt, *last.scope, cool_for, last.error.message);
        record.failed_upstreams.push_back(name);
        ctx.log->warn("{} upstream {} failed ({} {})", req.id, name, last.error.status,
                      last.error.message);
        if (!(key_failure && ctx.pool.has_other_key(attempt->upstream, attempt->key))) {
          ++i;  // else the same upstream again, with another key
        }
      }
    }
    // Every candidate was tried: now backoff and max_retries.
    auto delay = ctx.retry.next_delay(record.retries, last.attempt);
    if (!delay || Clock::now() + *delay >= total_deadline) {
      out.error = std::move(last.error);
      out.headers = std::move(last.headers);
      co_return;
    }
    ctx.metrics.retry();
    ++record.retries;
    ctx.log->warn("{} every upstream failed (last: {} {}), retrying in {} ms", req.id,
                  last.error.status, last.error.message, delay->count());
    asio::steady_timer timer(executor);
    timer.expires_after(*delay);
    co_await timer.async_wait(kNoThrow);
    if (guard.cancelled) {
      out.cancelled = true;
      co_return;
    }
  }
}

}  // namespace ccproxy::worker
