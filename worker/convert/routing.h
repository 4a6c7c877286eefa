#pragma once
// Routing rules: which tier of a profile answers a request. The decision is a pure function of
// a few facts about the request (gathered in one pass: request_facts.h), the tiers that are
// served and the routing settings. It names a tier, not a model: the model comes from the
// ModelMap of whoever serves that tier (tier_model).

#include <cstdint>
#include <string>
#include <string_view>

#include "worker/worker_config.h"

namespace ccproxy::convert {

/// A set of tiers, e.g. the ones a profile sets (or any of a pool's upstreams serves).
class TierSet {
 public:
  /// The tiers `models` names a model for.
  static TierSet served_by(const worker::ModelMap& models);

  bool has(worker::Tier tier) const { return (bits_ & bit(tier)) != 0; }
  TierSet& add(worker::Tier tier) {
    bits_ |= bit(tier);
    return *this;
  }
  TierSet& operator|=(TierSet other) {
    bits_ |= other.bits_;
    return *this;
  }

 private:
  static uint8_t bit(worker::Tier tier) { return uint8_t(1u << unsigned(tier)); }
  uint8_t bits_ = 0;
};

/// What the rules read of a request. A fact no rule that is on reads is left at its default
/// (request_facts.h gathers only what is wanted).
struct RequestFacts {
  /// The client's model is forwarded unchanged (passes_through: "vendor/model", `/model` in
  /// Claude Code, or one of the profile's models).
  bool client_model_passes = false;
  /// The tier of the client's Claude family (family_tier).
  worker::Tier family = worker::Tier::big;
  /// An image block anywhere in the messages: in user content, in a tool result, in a
  /// document's content.
  bool has_image = false;
  /// Thinking enabled: `thinking.type` "enabled" (a budget), or "adaptive" with
  /// output_config.effort high or above (high when absent, as the API defaults).
  bool thinking = false;
  /// The count_tokens estimate of the whole request; -1 when not estimated.
  int64_t estimated_tokens = -1;
};

/// The rules, in the order they are tried.
enum class RouteRule : uint8_t { client, vision, long_context, think, family };

struct Route {
  RouteRule rule = RouteRule::family;
  worker::Tier tier = worker::Tier::big;  // meaningless for RouteRule::client
};

/// Which facts a request's scan must gather: only those a rule that is on reads.
struct FactsWanted {
  bool image = false;
  bool thinking = false;
  bool tokens = false;
};
FactsWanted facts_wanted(TierSet served, const worker::RoutingSettings& settings);

/// The first rule that applies: the client's model passed through unchanged; `vision` for a
/// request with an image; `long` when the estimate is above long_context_tokens; `think`
/// when thinking is enabled; else the family tier. A rule whose tier is not in `served` (or,
/// for `long`, without a threshold) does nothing.
Route choose_route(const RequestFacts& facts, TierSet served,
                   const worker::RoutingSettings& settings);

/// What the request log and /metrics call a route: "client" for the client's model passed
/// through, else the tier's profile key ("vision", "long", "think", "big", "middle", "small").
const char* route_name(const Route& route);

/// The model sent upstream on `route`: the client's name, or tier_model of the route's tier.
std::string route_model(const Route& route, std::string_view client_model,
                        const worker::ModelMap& models);

}  // namespace ccproxy::convert
