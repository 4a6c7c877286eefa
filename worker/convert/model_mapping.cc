#include "worker/convert/model_mapping.h"

#include <algorithm>

#include "common/text.h"

namespace ccproxy::convert {
namespace {

using worker::Tier;

}  // namespace

bool passes_through(std::string_view client_model, const worker::ModelMap& models) {
  if (!models.passthrough_provider_models || client_model.empty()) {
    return false;
  }
  if (client_model.find('/') != std::string_view::npos) {
    return true;
  }
  return std::any_of(std::begin(worker::kAllTiers), std::end(worker::kAllTiers),
                     [&](Tier tier) { return client_model == models.model_for(tier); });
}

Tier family_tier(std::string_view client_model) {
  if (ascii_icontains(client_model, "haiku")) {
    return Tier::small;
  }
  if (ascii_icontains(client_model, "sonnet")) {
    return Tier::middle;
  }
  return Tier::big;
}

std::string tier_model(Tier tier, std::string_view client_model, const worker::ModelMap& models) {
  if (tier == Tier::small && models.small.empty()) {
    tier = Tier::middle;
  }
  if (tier == Tier::middle && models.middle.empty()) {
    tier = Tier::big;
  }
  const std::string& target = models.model_for(tier);
  return target.empty() ? std::string(client_model) : target;
}

std::string map_model(std::string_view client_model, const worker::ModelMap& models) {
  if (passes_through(client_model, models)) {
    return std::string(client_model);
  }
  return tier_model(family_tier(client_model), client_model, models);
}

}  // namespace ccproxy::convert
