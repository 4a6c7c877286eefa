#include "worker/http/routes.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "worker/health.h"
#include "worker/worker_context.h"

namespace ccproxy::worker {

RouteMatch match_route(std::string_view method, std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  RouteMatch m;
  auto allow_post = [&](Route r) {
    m.route = r;
    m.allow = "POST";
    m.method_allowed = method == "POST";
  };
  auto allow_get = [&](Route r) {
    m.route = r;
    m.allow = "GET, HEAD";
    m.method_allowed = method == "GET" || method == "HEAD";
  };
  if (path == "/v1/messages") {
    allow_post(Route::messages);
  } else if (path == "/v1/messages/count_tokens") {
    allow_post(Route::count_tokens);
  } else if (path == "/health") {
    allow_get(Route::health);
  } else if (path == "/metrics") {
    allow_get(Route::metrics);
  } else if (path == "/") {
    allow_get(Route::root);
  }
  return m;
}

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

SimpleResponse health_response(const WorkerContext& ctx) {
  HealthSnapshot s;
  s.config = &ctx.config;
  s.port = ctx.port;
  s.pid = static_cast<int64_t>(::getpid());
  s.uptime_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
  s.timestamp = iso8601_now();
  s.metrics = &ctx.metrics;
  SimpleResponse r;
  r.body = health_json(s);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

SimpleResponse metrics_response(const WorkerContext& ctx) {
  SimpleResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = ctx.metrics.render(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count());
  return r;
}

SimpleResponse root_response(const WorkerContext& ctx) {
  nlohmann::ordered_json j = {
      {"message", "ccproxy worker for profile " + ctx.config.profile},
      {"profile", ctx.config.profile},
      {"version", CCPROXY_VERSION},
      {"endpoints",
       {"POST /v1/messages", "POST /v1/messages/count_tokens", "GET /health", "GET /metrics"}},
  };
  return SimpleResponse{200, "application/json", j.dump(), {}};
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
