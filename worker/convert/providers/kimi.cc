// Kimi. Thinking models (kimi-k2-thinking, kimi-k2.5) return `reasoning_content` and refuse a
// later request whose assistant tool-call message lacks it ("reasoning_content is missing in
// assistant tool call message at index N"). Moonshot's API takes at most 128 tools. kimi-k2.5
// switches thinking with `thinking: {type: enabled|disabled}`; other Kimi models have no switch.

#include "worker/convert/providers/kimi.h"

namespace ccproxy::convert::providers {
namespace {

bool is_k25(std::string_view model) {
  return model_has(model, "k2.5") || model_has(model, "k2-5");
}

bool kimi_thinking(std::string& out, const ThinkingSettings& settings) {
  const Switch s = thinking_switch(settings);
  if (is_k25(settings.model)) {
    write_thinking_type(out, s);
    return s != Switch::off;  // kimi-k2.5 thinks by default
  }
  return model_has(settings.model, "thinking");
}

}  // namespace

const ProviderRules& kimi_rules() {
  static const ProviderRules rules{.id = worker::Provider::kimi,
                                   .max_tools = 128,
                                   .history = HistoryReasoning::reasoning_content,
                                   .write_thinking = kimi_thinking};
  return rules;
}

}  // namespace ccproxy::convert::providers
