#include "worker/http/routes.h"

#include <gtest/gtest.h>

namespace ccproxy::worker {
namespace {

TEST(Routes, MatchesPathsIgnoringTheQuery) {
  RouteMatch m = match_route("POST", "/v1/messages?beta=true");
  EXPECT_EQ(m.route, Route::messages);
  EXPECT_TRUE(m.method_allowed);
  EXPECT_EQ(match_route("POST", "/v1/messages/count_tokens").route, Route::count_tokens);
  EXPECT_EQ(match_route("GET", "/health").route, Route::health);
  EXPECT_EQ(match_route("GET", "/metrics").route, Route::metrics);
  EXPECT_EQ(match_route("GET", "/").route, Route::root);
  EXPECT_EQ(match_route("GET", "/v1/models").route, Route::models);
  EXPECT_EQ(match_route("GET", "/v1/models/x").route, Route::not_found);
  EXPECT_EQ(match_route("POST", "/v1/messages/").route, Route::not_found);
}

TEST(Routes, SaysWhichMethodsAreAllowed) {
  RouteMatch get_messages = match_route("GET", "/v1/messages");
  EXPECT_EQ(get_messages.route, Route::messages);
  EXPECT_FALSE(get_messages.method_allowed);
  EXPECT_EQ(get_messages.allow, "POST");
  EXPECT_TRUE(match_route("HEAD", "/health").method_allowed);
  RouteMatch post_health = match_route("POST", "/health");
  EXPECT_FALSE(post_health.method_allowed);
  EXPECT_EQ(post_health.allow, "GET, HEAD");
  EXPECT_FALSE(match_route("GET", "/nowhere").method_allowed);
}

}  // namespace
}  // namespace ccproxy::worker
