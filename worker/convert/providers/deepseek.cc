// DeepSeek. In thinking mode (deepseek-reasoner, or deepseek-chat with `thinking: {type:
// enabled}`) an assistant message with tool calls must carry its `reasoning_content` back, or
// the API answers 400. deepseek-reasoner always thinks and has no switch.

#include "worker/convert/providers/deepseek.h"

namespace ccproxy::convert::providers {
namespace {

bool deepseek_thinking(std::string& out, const ThinkingSettings& settings) {
  if (model_has(settings.model, "reasoner")) {
    return true;
  }
  const Switch s = thinking_switch(settings);
  write_thinking_type(out, s);
  return s == Switch::on;
}

}  // namespace

const ProviderRules& deepseek_rules() {
  static const ProviderRules rules{.id = worker::Provider::deepseek,
                                   .history = HistoryReasoning::reasoning_content,
                                   .write_thinking = deepseek_thinking};
  return rules;
}

}  // namespace ccproxy::convert::providers
