#pragma once
// Gemini (OpenAI-compatible endpoint): an OpenAPI subset of JSON Schema for tool parameters
// (gemini_schema.cc), thought signatures on tool calls, reasoning_effort.

#include "worker/convert/providers/provider_rules.h"

namespace ccproxy::convert::providers {

const ProviderRules& gemini_rules();

}  // namespace ccproxy::convert::providers
