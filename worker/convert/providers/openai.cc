// OpenAI: reasoning_effort from the client's effort or budget (OpenAI's reasoning models take
// it; its other models ignore it when unset, so it is only sent when asked for). Generic
// upstreams get nothing they might refuse: only a level the profile sets.

#include "worker/convert/providers/openai.h"

namespace ccproxy::convert::providers {
namespace {

bool openai_thinking(std::string& out, const ThinkingSettings& settings) {
  write_reasoning_effort(out, effort_level(settings));
  return false;
}

bool generic_thinking(std::string& out, const ThinkingSettings& settings) {
  if (settings.profile != worker::Reasoning::automatic) {
    write_reasoning_effort(out, effort_level(settings));
  }
  return false;
}

}  // namespace

const ProviderRules& openai_rules() {
  static const ProviderRules rules{.id = worker::Provider::openai,
                                   .write_thinking = openai_thinking};
  return rules;
}

const ProviderRules& generic_rules() {
  static const ProviderRules rules{.id = worker::Provider::generic,
                                   .write_thinking = generic_thinking};
  return rules;
}

}  // namespace ccproxy::convert::providers
