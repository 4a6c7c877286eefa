// MiniMax M2 reasons inside its content, as a leading <think>...</think> (the translation makes
// it a thinking block), and asks for the whole assistant message back in a tool conversation:
// the thinking goes back into the content as <think>...</think>. M2 always thinks: no switch.

#include "worker/convert/providers/minimax.h"

namespace ccproxy::convert::providers {
namespace {

bool minimax_thinking(std::string&, const ThinkingSettings&) {
  return true;
}

}  // namespace

const ProviderRules& minimax_rules() {
  static const ProviderRules rules{.id = worker::Provider::minimax,
                                   .history = HistoryReasoning::think_tags,
                                   .write_thinking = minimax_thinking};
  return rules;
}

}  // namespace ccproxy::convert::providers
