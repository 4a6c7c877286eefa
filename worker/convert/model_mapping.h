#pragma once
// Claude model names -> provider models (see worker::ModelMap).

#include <string>
#include <string_view>

#include "worker/worker_config.h"

namespace ccproxy::convert {

/// With passthrough_provider_models: a name containing '/' ("vendor/model") or equal to one
/// of the profile's models is forwarded unchanged.
bool passes_through(std::string_view client_model, const worker::ModelMap& models);

/// The family tier of a Claude model name, case-insensitive: "haiku" -> small, "sonnet" ->
/// middle, anything else ("opus", unknown names) -> big.
worker::Tier family_tier(std::string_view client_model);

/// The model of `tier`. An empty family tier falls back small -> middle -> big; when that
/// is empty too (or a routing tier is empty), the client's name is sent.
std::string tier_model(worker::Tier tier, std::string_view client_model,
                       const worker::ModelMap& models);

/// The model without routing rules: the client's name when it passes through, else the
/// model of its family tier.
std::string map_model(std::string_view client_model, const worker::ModelMap& models);

}  // namespace ccproxy::convert
