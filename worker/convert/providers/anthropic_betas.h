#pragma once
// Anthropic-format upstreams (pass-through): which of the client's `anthropic-beta` values go
// on, and which request fields go with them. Endpoints that copy the Anthropic API (Z.ai,
// Moonshot, MiniMax) refuse beta names they do not know, and a field that only exists under a
// beta (context_management, ...) is refused or misread without it.

#include <string>
#include <string_view>
#include <vector>

#include "worker/worker_config.h"

namespace ccproxy::convert::providers {

/// The `anthropic-beta` value to send upstream ("" for none): the client's values that
/// `forward_betas` allows (unset: all for api.anthropic.com, none for other hosts).
std::string forwarded_betas(std::string_view client_betas, const worker::UpstreamConfig& upstream);

/// The top-level request fields that only exist under a beta not in `forwarded` (the value
/// forwarded_betas gave): context_management, mcp_servers, output_format.
std::vector<std::string_view> fields_without_beta(std::string_view forwarded);

}  // namespace ccproxy::convert::providers
