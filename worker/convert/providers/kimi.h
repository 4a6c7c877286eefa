#pragma once
// Kimi (Moonshot): thinking models want their reasoning_content back; at most 128 tools.

#include "worker/convert/providers/provider_rules.h"

namespace ccproxy::convert::providers {

const ProviderRules& kimi_rules();

}  // namespace ccproxy::convert::providers
