#pragma once
// OpenAI (api.openai.com, openai/... ids) and generic OpenAI-compatible upstreams.

#include "worker/convert/providers/provider_rules.h"

namespace ccproxy::convert::providers {

const ProviderRules& openai_rules();
const ProviderRules& generic_rules();

}  // namespace ccproxy::convert::providers
