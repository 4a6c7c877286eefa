#pragma once
// DeepSeek: thinking mode wants reasoning_content back on tool-call turns.

#include "worker/convert/providers/provider_rules.h"

namespace ccproxy::convert::providers {

const ProviderRules& deepseek_rules();

}  // namespace ccproxy::convert::providers
