// The pieces the providers' thinking switches share, and rules_for.

#include "common/text.h"
#include "worker/convert/providers/deepseek.h"
#include "worker/convert/providers/gemini.h"
#include "worker/convert/providers/glm.h"
#include "worker/convert/providers/kimi.h"
#include "worker/convert/providers/minimax.h"
#include "worker/convert/providers/openai.h"
#include "worker/convert/providers/provider_rules.h"

namespace ccproxy::convert::providers {

const ProviderRules& rules_for(worker::Provider provider) {
  switch (provider) {
    case worker::Provider::openai:
      return openai_rules();
    case worker::Provider::gemini:
      return gemini_rules();
    case worker::Provider::kimi:
      return kimi_rules();
    case worker::Provider::deepseek:
      return deepseek_rules();
    case worker::Provider::minimax:
      return minimax_rules();
    case worker::Provider::glm:
      return glm_rules();
    case worker::Provider::automatic:
    case worker::Provider::generic:
      break;
  }
  return generic_rules();
}

Switch thinking_switch(const ThinkingSettings& settings) {
  switch (settings.profile) {
    case worker::Reasoning::off:
      return Switch::off;
    case worker::Reasoning::on:
    case worker::Reasoning::low:
    case worker::Reasoning::medium:
    case worker::Reasoning::high:
      return Switch::on;
    case worker::Reasoning::automatic:
      break;
  }
  switch (settings.client.mode) {
    case ThinkingRequest::Mode::disabled:
      return Switch::off;
    case ThinkingRequest::Mode::enabled:
    case ThinkingRequest::Mode::adaptive:
      return Switch::on;
    case ThinkingRequest::Mode::unset:
      break;
  }
  return Switch::unset;
}

std::string_view effort_level(const ThinkingSettings& settings) {
  switch (settings.profile) {
    case worker::Reasoning::off:
      return "";
    case worker::Reasoning::low:
      return "low";
    case worker::Reasoning::medium:
      return "medium";
    case worker::Reasoning::high:
      return "high";
    case worker::Reasoning::on:
    case worker::Reasoning::automatic:
      break;
  }
  const ThinkingRequest& client = settings.client;
  if (client.mode == ThinkingRequest::Mode::disabled) {
    return "";
  }
  const std::string_view effort = client.effort;
  if (effort == "low" || effort == "medium" || effort == "high") {
    return effort;
  }
  if (effort == "max" || effort == "xhigh") {
    return "high";
  }
  if (client.mode == ThinkingRequest::Mode::enabled && client.budget_tokens > 0) {
    return client.budget_tokens < 4096 ? "low" : client.budget_tokens < 16384 ? "medium" : "high";
  }
  return settings.profile == worker::Reasoning::on ? "medium" : "";
}

void write_thinking_type(std::string& out, Switch s) {
  if (s == Switch::on) {
    out.append(",\"thinking\":{\"type\":\"enabled\"}");
  } else if (s == Switch::off) {
    out.append(",\"thinking\":{\"type\":\"disabled\"}");
  }
}

void write_reasoning_effort(std::string& out, std::string_view level) {
  if (!level.empty()) {
    out.append(",\"reasoning_effort\":\"").append(level).append("\"");
  }
}

bool model_has(std::string_view model, std::string_view part) {
  return ascii_icontains(model, part);
}

}  // namespace ccproxy::convert::providers
