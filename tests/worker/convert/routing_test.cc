// Routing rules: the order of the rules, a rule whose tier is not served doing nothing, the
// model a route sends, and the rules applied by the request conversion (both formats).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "golden_options.h"
#include "worker/convert/convert.h"
#include "worker/convert/model_mapping.h"
#include "worker/convert/routing.h"
#include "worker/convert/tool_cache.h"

namespace ccproxy::convert {
namespace {

using nlohmann::json;
using worker::Tier;

worker::ModelMap routed_models() {
  worker::ModelMap m;
  m.big = "kimi-k2";
  m.middle = "kimi-k2";
  m.small = "kimi-k2-small";
  m.vision = "google/gemini-2.5-flash";
  m.long_context = "google/gemini-2.5-pro";
  m.think = "kimi-k2-thinking";
  return m;
}

worker::RoutingSettings threshold(int64_t tokens) {
  worker::RoutingSettings s;
  s.long_context_tokens = tokens;
  return s;
}

// Every fact that could route, so each rule is seen winning over the ones after it.
RequestFacts every_fact() {
  RequestFacts f;
  f.client_model_passes = true;
  f.family = Tier::middle;
  f.has_image = true;
  f.thinking = true;
  f.estimated_tokens = 5000;
  return f;
}

TEST(Routing, RulesInOrder) {
  const TierSet all = TierSet::served_by(routed_models());
  const auto settings = threshold(1000);
  RequestFacts f = every_fact();
  EXPECT_EQ(choose_route(f, all, settings).rule, RouteRule::client);
  f.client_model_passes = false;
  EXPECT_EQ(choose_route(f, all, settings).rule, RouteRule::vision);
  EXPECT_EQ(choose_route(f, all, settings).tier, Tier::vision);
  f.has_image = false;
  EXPECT_EQ(choose_route(f, all, settings).rule, RouteRule::long_context);
  EXPECT_EQ(choose_route(f, all, settings).tier, Tier::long_context);
  f.estimated_tokens = 1000;  // above the threshold, not at it
  EXPECT_EQ(choose_route(f, all, settings).rule, RouteRule::think);
  EXPECT_EQ(choose_route(f, all, settings).tier, Tier::think);
  f.thinking = false;
  const Route family = choose_route(f, all, settings);
  EXPECT_EQ(family.rule, RouteRule::family);
  EXPECT_EQ(family.tier, Tier::middle);
}

TEST(Routing, RuleWithoutItsTierDoesNothing) {
  RequestFacts f = every_fact();
  f.client_model_passes = false;
  TierSet served;
  served.add(Tier::big).add(Tier::think);
  // No vision, no long tier: the image and the size do not matter, thinking does.
  EXPECT_EQ(choose_route(f, served, threshold(1000)).rule, RouteRule::think);
  served.add(Tier::long_context);
  EXPECT_EQ(choose_route(f, served, threshold(1000)).rule, RouteRule::long_context);
  // The long tier without a threshold: the long rule is off.
  EXPECT_EQ(choose_route(f, served, worker::RoutingSettings{}).rule, RouteRule::think);
  // Not estimated (-1) is never above a threshold.
  f.estimated_tokens = -1;
  EXPECT_EQ(choose_route(f, served, threshold(1)).rule, RouteRule::think);
  // Nothing routing served: the family tier.
  EXPECT_EQ(
      choose_route(f, TierSet::served_by(testing::family_models("b", "", "")), threshold(1)).rule,
      RouteRule::family);
}

TEST(Routing, FactsWantedOnlyForRulesThatAreOn) {
  const FactsWanted none =
      facts_wanted(TierSet::served_by(testing::family_models("b", "", "")), threshold(100));
  EXPECT_FALSE(none.image || none.thinking || none.tokens);
  const FactsWanted all = facts_wanted(TierSet::served_by(routed_models()), threshold(100));
  EXPECT_TRUE(all.image && all.thinking && all.tokens);
  EXPECT_FALSE(facts_wanted(TierSet::served_by(routed_models()), {}).tokens);
}

TEST(Routing, NamesAndModels) {
  const worker::ModelMap m = routed_models();
  EXPECT_STREQ(route_name(Route{RouteRule::client, Tier::big}), "client");
  EXPECT_STREQ(route_name(Route{RouteRule::vision, Tier::vision}), "vision");
  EXPECT_STREQ(route_name(Route{RouteRule::long_context, Tier::long_context}), "long");
  EXPECT_STREQ(route_name(Route{RouteRule::family, Tier::small}), "small");
  EXPECT_EQ(route_model(Route{RouteRule::client, Tier::big}, "x/y", m), "x/y");
  EXPECT_EQ(route_model(Route{RouteRule::vision, Tier::vision}, "claude-opus", m),
            "google/gemini-2.5-flash");
  EXPECT_EQ(route_model(Route{RouteRule::think, Tier::think}, "claude-opus", m),
            "kimi-k2-thinking");
  // A family tier falls back small -> middle -> big.
  worker::ModelMap only_big = testing::family_models("b", "", "");
  EXPECT_EQ(route_model(Route{RouteRule::family, Tier::small}, "claude-haiku", only_big), "b");
}

TEST(Routing, ClientModelPassesThroughWhenItNamesAnyTier) {
  const worker::ModelMap m = routed_models();
  EXPECT_TRUE(passes_through("kimi-k2-thinking", m));
  EXPECT_TRUE(passes_through("vendor/model", m));
  EXPECT_FALSE(passes_through("claude-opus-4-8", m));
  EXPECT_FALSE(passes_through("", testing::family_models("b", "", "")));
  EXPECT_EQ(family_tier("claude-3-5-HAIKU"), Tier::small);
  EXPECT_EQ(family_tier("claude-sonnet-4-5"), Tier::middle);
  EXPECT_EQ(family_tier("claude-opus-4-8"), Tier::big);
}

// Through the conversion: the model written upstream and the route reported with it.
class RoutedConversion : public ::testing::Test {
 protected:
  RoutedConversion() {
    options_ = testing::golden_request_options();
    options_.models = &models_;
    options_.routing = &settings_;
  }
  std::string body(const std::string& content, const std::string& extra = "",
                   const std::string& model = "claude-sonnet-4-5") {
    return R"({"model":")" + model + R"(","max_tokens":100,"messages":[{"role":"user","content":)" +
           content + "}]" + extra + "}";
  }
  void expect(const std::string& request, const std::string& model, const char* rule) {
    for (bool passthrough : {false, true}) {
      auto r = passthrough ? to_passthrough_request(request, options_)
                           : to_openai_request(request, options_);
      ASSERT_TRUE(r.ok()) << r.error().message;
      EXPECT_EQ(r->upstream_model, model) << request;
      EXPECT_STREQ(route_name(r->route), rule) << request;
      EXPECT_EQ(json::parse(r->joined())["model"], model) << request;
    }
  }

  worker::ModelMap models_ = routed_models();
  worker::RoutingSettings settings_ = threshold(2000);
  RequestOptions options_;
};

const std::string kImage =
    R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}})";
const std::string kThinking = R"(,"thinking":{"type":"enabled","budget_tokens":2048})";

TEST_F(RoutedConversion, EachRuleChoosesItsModel) {
  expect(body(R"("hi")"), "kimi-k2", "middle");
  expect(body(R"("hi")", "", "claude-3-5-haiku"), "kimi-k2-small", "small");
  expect(body("[" + kImage + "]", kThinking), "google/gemini-2.5-flash", "vision");
  std::string words;
  for (int i = 0; i < 3000; ++i) {
    words += "word ";
  }
  expect(body(json(words).dump(), kThinking), "google/gemini-2.5-pro", "long");
  expect(body(R"("hi")", kThinking), "kimi-k2-thinking", "think");
  expect(body("[" + kImage + "]", kThinking, "moonshotai/kimi-k2"), "moonshotai/kimi-k2", "client");
}

TEST_F(RoutedConversion, TheLongRuleReadsTheCountTokensEstimate) {
  std::string words;
  for (int i = 0; i < 3000; ++i) {
    words += "word ";
  }
  const std::string request = body(json(words).dump());
  auto estimate = count_tokens(request);
  ASSERT_TRUE(estimate.ok());
  settings_.long_context_tokens = *estimate;
  expect(request, "kimi-k2", "middle");  // at the threshold: not above it
  settings_.long_context_tokens = *estimate - 1;
  expect(request, "google/gemini-2.5-pro", "long");
}

TEST_F(RoutedConversion, UnsetTiersLeaveTheFamilyTier) {
  models_.vision.clear();
  models_.think.clear();
  expect(body("[" + kImage + "]", kThinking), "kimi-k2", "middle");
}

TEST_F(RoutedConversion, ServedTiersComeFromTheCaller) {
  TierSet served = TierSet::served_by(models_);
  TierSet without_vision;
  without_vision.add(Tier::big).add(Tier::middle).add(Tier::think);
  options_.served = &without_vision;
  expect(body("[" + kImage + "]", kThinking), "kimi-k2-thinking", "think");
  options_.served = &served;
  expect(body("[" + kImage + "]", kThinking), "google/gemini-2.5-flash", "vision");
}

// A request whose tool list is stored is parsed without it: the estimate still counts it.
TEST_F(RoutedConversion, TheEstimateCountsAStoredToolList) {
  const std::string fixture = testing::claude_code_fixture();
  const int64_t estimate = *count_tokens(fixture);
  models_.think.clear();  // the fixture enables thinking
  for (int64_t threshold : {estimate - 1, estimate}) {
    settings_.long_context_tokens = threshold;
    detail::thread_tool_cache().clear();
    // The first conversion stores the list; the next ones parse the body without it.
    for (int i = 0; i < 3; ++i) {
      auto r = to_openai_request(fixture, options_);
      ASSERT_TRUE(r.ok()) << r.error().message;
      EXPECT_STREQ(route_name(r->route), threshold < estimate ? "long" : "big") << i;
    }
  }
  // A list stored by a conversion without routing gets its part when routing needs it.
  detail::thread_tool_cache().clear();
  ASSERT_TRUE(to_openai_request(fixture, testing::golden_request_options()).ok());
  settings_.long_context_tokens = estimate - 1;
  EXPECT_STREQ(route_name(to_openai_request(fixture, options_)->route), "long");
}

TEST(Routing, ClaudeCodeFixtureTakesTheFamilyTier) {
  // The fixture: opus, no image, thinking adaptive with effort high (as Claude Code sends it).
  worker::ModelMap m = routed_models();
  worker::RoutingSettings s = threshold(1'000'000);
  RequestOptions options = testing::golden_request_options();
  options.models = &m;
  options.routing = &s;
  auto r = to_openai_request(testing::claude_code_fixture(), options);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_STREQ(route_name(r->route), "think");
  EXPECT_EQ(r->upstream_model, "kimi-k2-thinking");
  m.think.clear();
  r = to_openai_request(testing::claude_code_fixture(), options);
  ASSERT_TRUE(r.ok());
  EXPECT_STREQ(route_name(r->route), "big");
  s.long_context_tokens = 1000;
  r = to_openai_request(testing::claude_code_fixture(), options);
  ASSERT_TRUE(r.ok());
  EXPECT_STREQ(route_name(r->route), "long");
}

}  // namespace
}  // namespace ccproxy::convert
