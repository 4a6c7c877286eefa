// Gemini through its OpenAI-compatible endpoint (also behind routers): tool parameter schemas
// rewritten into Gemini's OpenAPI subset (gemini_schema.cc); Gemini 3 tool calls carry
// `extra_content.google.thought_signature`, which must come back with the call; reasoning is
// set with `reasoning_effort` ("none" switches it off where the model allows).

#include "worker/convert/providers/gemini.h"

#include "worker/convert/providers/gemini_schema.h"

namespace ccproxy::convert::providers {
namespace {

bool gemini_thinking(std::string& out, const ThinkingSettings& settings) {
  if (settings.profile == worker::Reasoning::off) {
    write_reasoning_effort(out, "none");
    return false;
  }
  write_reasoning_effort(out, effort_level(settings));
  return false;
}

// Google's documented value for tool calls Gemini did not make (a conversation begun with
// another model): Gemini 3 refuses a turn whose first call has no signature at all.
std::string_view gemini_missing_signature(std::string_view model) {
  return model_has(model, "gemini-3") ? "skip_thought_signature_validator" : "";
}

}  // namespace

const ProviderRules& gemini_rules() {
  static const ProviderRules rules{.id = worker::Provider::gemini,
                                   .thought_signatures = true,
                                   .missing_signature = gemini_missing_signature,
                                   .write_schema = write_gemini_schema,
                                   .write_thinking = gemini_thinking};
  return rules;
}

}  // namespace ccproxy::convert::providers
