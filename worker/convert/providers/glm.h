#pragma once
// GLM (Z.ai, Zhipu): thinking: {type: enabled|disabled}.

#include "worker/convert/providers/provider_rules.h"

namespace ccproxy::convert::providers {

const ProviderRules& glm_rules();

}  // namespace ccproxy::convert::providers
