#pragma once
// Claude model names -> provider models (see worker::ModelMap).

#include <string>
#include <string_view>

#include "worker/worker_config.h"

namespace ccproxy::convert {

/// Case-insensitive: "opus" -> big, "sonnet" -> middle, "haiku" -> small. With
/// passthrough_provider_models, a name containing '/' ("vendor/model") or equal to one of
/// big/middle/small is forwarded unchanged. Anything else -> big. An empty target falls back
/// small -> middle -> big; when every target is empty the client's name is sent.
std::string map_model(std::string_view client_model, const worker::ModelMap& models);

/// The tier of a Claude model family: opus (and anything unknown) -> big, sonnet -> middle,
/// haiku -> small.
worker::Tier family_tier(std::string_view client_model);

/// Whether `client_model` is forwarded unchanged by `models` (see map_model).
bool passes_through(std::string_view client_model, const worker::ModelMap& models);

}  // namespace ccproxy::convert
