#pragma once
// Which provider's rules a request follows: the profile's `provider` when it pins one, else the
// upstream model id (vendor-prefixed as routers use them, `google/gemini-2.5-flash`,
// `moonshotai/kimi-k2-thinking`, `deepseek/...`, `minimaxi/MiniMax-M2`, `zai/GLM-4.6`, or bare),
// else the base URL's host (the providers' own endpoints), else generic.

#include <string_view>

#include "worker/worker_config.h"

namespace ccproxy::convert::providers {

/// Never returns Provider::automatic.
worker::Provider resolve_provider(const worker::UpstreamConfig& upstream,
                                  std::string_view upstream_model);

/// The provider a model id names (automatic when it names none).
worker::Provider provider_of_model(std::string_view model);
/// The provider whose own API a host is (automatic when none).
worker::Provider provider_of_host(std::string_view host);
/// The host of a URL ("" when there is none), lower-case as written.
std::string_view url_host(std::string_view url);

}  // namespace ccproxy::convert::providers
