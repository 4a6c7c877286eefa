#include "worker/http/routes.h"

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
  } else if (path == "/v1/models") {
    allow_get(Route::models);
  } else if (path == "/health") {
    allow_get(Route::health);
  } else if (path == "/metrics") {
    allow_get(Route::metrics);
  } else if (path == "/") {
    allow_get(Route::root);
  }
  return m;
}

}  // namespace ccproxy::worker
