#pragma once
// Which endpoint a request is for, and whether its method is allowed there. Pure, so that
// routing is testable without sockets.

#include <string_view>

namespace ccproxy::worker {

enum class Route { messages, count_tokens, models, health, root, metrics, not_found };

struct RouteMatch {
  Route route = Route::not_found;
  bool method_allowed = false;
  std::string_view allow;  // the Allow header for a 405
};

/// `target` may carry a query string (?beta=true), which is ignored for routing.
RouteMatch match_route(std::string_view method, std::string_view target);

}  // namespace ccproxy::worker
