// GLM (4.5 and later) switches reasoning with `thinking: {type: enabled|disabled}`. Its streamed
// tool-call deltas carry a new id each (the stream translator keys calls by index).

#include "worker/convert/providers/glm.h"

namespace ccproxy::convert::providers {
namespace {

bool glm_thinking(std::string& out, const ThinkingSettings& settings) {
  const Switch s = thinking_switch(settings);
  write_thinking_type(out, s);
  return s == Switch::on;
}

}  // namespace

const ProviderRules& glm_rules() {
  static const ProviderRules rules{.id = worker::Provider::glm, .write_thinking = glm_thinking};
  return rules;
}

}  // namespace ccproxy::convert::providers
