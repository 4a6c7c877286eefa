#pragma once
// GET /v1/models: the Claude model ids Claude Code knows, each with the provider model its tier
// maps to in its display name, then the profile's provider models, in the Anthropic format
// ({"data":[{"type":"model","id":...,"display_name":...,"created_at":...}],"has_more":false,
// "first_id":...,"last_id":...}).

#include <string>
#include <vector>

#include "worker/worker_config.h"

namespace ccproxy::worker {

/// The body of GET /v1/models for a profile's upstreams (a pool of one for a profile with
/// `[upstream]`). `provider_created_at` (RFC 3339) dates the provider models.
std::string models_json(const std::vector<UpstreamConfig>& upstreams,
                        const std::string& provider_created_at);

}  // namespace ccproxy::worker
