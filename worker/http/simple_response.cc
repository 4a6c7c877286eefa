#include "worker/http/simple_response.h"

#include <unistd.h>

#include <boost/beast/http/error.hpp>
#include <nlohmann/json.hpp>

#include "usage/ledger_writer.h"
#include "worker/health.h"
#include "worker/http/worker_context.h"
#include "worker/model_list.h"

namespace ccproxy::worker {
namespace {

namespace http = boost::beast::http;

SimpleResponse api_error(int status, std::string type, std::string message) {
  return error_response(convert::ApiError{status, std::move(type), std::move(message)});
}

SimpleResponse body_too_large(std::size_t max_body_bytes) {
  return api_error(413, "request_too_large",
                   "request body larger than " + std::to_string(max_body_bytes) + " bytes");
}

}  // namespace

SimpleResponse error_response(const convert::ApiError& error) {
  return SimpleResponse{error.status, "application/json", convert::error_body(error), {}};
}

SimpleResponse not_found_response(std::string_view method, std::string_view target) {
  std::string path(target.substr(0, target.find('?')));
  return error_response(convert::ApiError{404, "not_found_error",
                                          "no route for " + std::string(method) + " " + path});
}

SimpleResponse method_not_allowed_response(std::string_view method, std::string_view target,
                                           std::string_view allow) {
  std::string path(target.substr(0, target.find('?')));
  SimpleResponse r =
      error_response(convert::ApiError{405, "invalid_request_error",
                                       "method " + std::string(method) + " not allowed on " + path +
                                           " (allowed: " + std::string(allow) + ")"});
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

SimpleResponse bad_head_response(const boost::system::error_code& parse_error,
                                 std::size_t max_body_bytes) {
  if (parse_error == http::error::header_limit) {
    return api_error(431, "invalid_request_error", "request headers larger than 64 KiB");
  }
  if (parse_error == http::error::body_limit) {
    return body_too_large(max_body_bytes);
  }
  return api_error(400, "invalid_request_error",
                   "malformed HTTP request: " + parse_error.message());
}

SimpleResponse unimplemented_transfer_coding_response(std::string_view codings) {
  return api_error(501, "invalid_request_error",
                   "Transfer-Encoding \"" + std::string(codings.substr(0, 100)) +
                       "\" is not implemented (only \"chunked\" is)");
}

SimpleResponse bad_body_response(const boost::system::error_code& parse_error,
                                 std::size_t max_body_bytes) {
  if (parse_error == http::error::body_limit) {
    return body_too_large(max_body_bytes);
  }
  return api_error(400, "invalid_request_error",
                   "malformed HTTP request body: " + parse_error.message());
}

std::optional<SimpleResponse> client_key_refusal(ClientAuth auth) {
  switch (auth) {
    case ClientAuth::ok:
      break;
    case ClientAuth::missing:
      return api_error(401, "authentication_error",
                       "missing API key: send it as x-api-key or Authorization: Bearer");
    case ClientAuth::invalid:
      return api_error(401, "authentication_error", "invalid x-api-key");
  }
  return std::nullopt;
}

SimpleResponse health_response(const WorkerContext& ctx) {
  HealthSnapshot s;
  s.config = &ctx.config;
  s.port = ctx.port;
  s.pid = static_cast<int64_t>(::getpid());
  s.uptime_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
  s.timestamp = iso8601_now();
  s.metrics = &ctx.metrics;
  s.upstreams = ctx.pool.status();
  SimpleResponse r;
  r.body = health_json(s);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

SimpleResponse metrics_response(const WorkerContext& ctx) {
  SimpleResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  std::optional<LedgerCounts> ledger;
  if (ctx.ledger != nullptr) {
    ledger = LedgerCounts{ctx.ledger->written(), ctx.ledger->dropped()};
  }
  r.body = ctx.metrics.render(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count(),
      ctx.pool.status(), ledger);
  return r;
}

SimpleResponse root_response(const WorkerContext& ctx) {
  nlohmann::ordered_json j = {
      {"message", "ccproxy worker for profile " + ctx.config.profile},
      {"profile", ctx.config.profile},
      {"version", CCPROXY_VERSION},
      {"endpoints",
       {"POST /v1/messages", "POST /v1/messages/count_tokens", "GET /v1/models", "GET /health",
        "GET /metrics"}},
  };
  return SimpleResponse{200, "application/json", j.dump(), {}};
}

SimpleResponse models_response(const WorkerContext& ctx) {
  static const std::string started_at = iso8601_now();  // when this worker first listed them
  return SimpleResponse{200, "application/json", models_json(ctx.config.upstreams, started_at), {}};
}

SimpleResponse count_tokens_response(std::string_view body) {
  auto n = convert::count_tokens(body);
  if (!n) {
    return error_response(n.error());
  }
  return SimpleResponse{
      200, "application/json", "{\"input_tokens\":" + std::to_string(*n) + "}", {}};
}

}  // namespace ccproxy::worker
