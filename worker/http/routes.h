#pragma once
// The small endpoints and the error answers of the HTTP front: everything that is answered
// from local state with one complete body. Routing decisions live here too, so they are
// testable without sockets.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worker/convert/convert.h"

namespace ccproxy::worker {

struct WorkerContext;

enum class Route { messages, count_tokens, health, root, metrics, not_found };

struct RouteMatch {
  Route route = Route::not_found;
  bool method_allowed = false;
  std::string_view allow;  // the Allow header for a 405
};

/// `target` may carry a query string (?beta=true), which is ignored for routing.
RouteMatch match_route(std::string_view method, std::string_view target);

/// A complete response body with its status.
struct SimpleResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

SimpleResponse error_response(const convert::ApiError& error);
SimpleResponse not_found_response(std::string_view method, std::string_view target);
SimpleResponse method_not_allowed_response(std::string_view method, std::string_view target,
                                           std::string_view allow);
SimpleResponse health_response(const WorkerContext& ctx);
SimpleResponse metrics_response(const WorkerContext& ctx);
SimpleResponse root_response(const WorkerContext& ctx);
SimpleResponse count_tokens_response(std::string_view body);

}  // namespace ccproxy::worker
