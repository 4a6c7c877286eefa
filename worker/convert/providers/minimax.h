#pragma once
// MiniMax M2: reasoning inline as <think>...</think>, wanted back the same way.

#include "worker/convert/providers/provider_rules.h"

namespace ccproxy::convert::providers {

const ProviderRules& minimax_rules();

}  // namespace ccproxy::convert::providers
