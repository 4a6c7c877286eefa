#include "worker/convert/routing.h"

#include "worker/convert/model_mapping.h"

namespace ccproxy::convert {

using worker::Tier;

TierSet TierSet::served_by(const worker::ModelMap& models) {
  TierSet set;
  for (Tier tier : worker::kAllTiers) {
    if (!models.model_for(tier).empty()) {
      set.add(tier);
    }
  }
  return set;
}

FactsWanted facts_wanted(TierSet served, const worker::RoutingSettings& settings) {
  FactsWanted wanted;
  wanted.image = served.has(Tier::vision);
  wanted.tokens = served.has(Tier::long_context) && settings.long_context_tokens > 0;
  wanted.thinking = served.has(Tier::think);
  return wanted;
}

Route choose_route(const RequestFacts& facts, TierSet served,
                   const worker::RoutingSettings& settings) {
  const FactsWanted on = facts_wanted(served, settings);
  if (facts.client_model_passes) {
    return Route{RouteRule::client, facts.family};
  }
  if (on.image && facts.has_image) {
    return Route{RouteRule::vision, Tier::vision};
  }
  if (on.tokens && facts.estimated_tokens > settings.long_context_tokens) {
    return Route{RouteRule::long_context, Tier::long_context};
  }
  if (on.thinking && facts.thinking) {
    return Route{RouteRule::think, Tier::think};
  }
  return Route{RouteRule::family, facts.family};
}

const char* route_name(const Route& route) {
  return route.rule == RouteRule::client ? "client" : worker::tier_name(route.tier);
}

std::string route_model(const Route& route, std::string_view client_model,
                        const worker::ModelMap& models) {
  if (route.rule == RouteRule::client) {
    return std::string(client_model);
  }
  return tier_model(route.tier, client_model, models);
}

}  // namespace ccproxy::convert
