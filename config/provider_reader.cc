// An upstream's provider settings: provider, reasoning, forward_betas.

#include "config/provider_reader.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/validate.h"
#include "config/value_readers.h"

namespace ccproxy::config {
namespace {

// `forward_betas`: "*" or a list of beta names (header tokens, or "*").
void read_forward_betas(TableReader& upstream, worker::UpstreamConfig& out) {
  auto found = upstream.find("forward_betas");
  if (!found) {
    return;
  }
  const toml::node& node = *found->node;
  std::vector<std::string> betas;
  bool ok = true;
  auto add = [&](const toml::node& item) {
    const auto* s = item.as_string();
    if (s == nullptr) {
      upstream.problem(*found, "forward_betas",
                       "expected \"*\" or a list of strings, got " + describe_type(item));
      ok = false;
      return;
    }
    const std::string& name = s->get();
    if (name != "*" && (name.empty() || check_header_value(name) ||
                        name.find_first_of(", ") != std::string::npos)) {
      upstream.problem(*found, "forward_betas", "'" + name.substr(0, 40) + "' is not a beta name");
      ok = false;
      return;
    }
    betas.push_back(name);
  };
  if (const auto* list = node.as_array()) {
    for (const toml::node& item : *list) {
      add(item);
    }
  } else {
    add(node);
  }
  if (ok) {
    out.forward_betas_set = true;
    out.forward_betas = std::move(betas);
  }
}

}  // namespace

void read_provider_settings(TableReader& upstream, worker::UpstreamConfig& out) {
  using worker::Provider;
  if (auto v = read_enum(
          upstream, "provider",
          {"auto", "generic", "openai", "gemini", "kimi", "deepseek", "minimax", "glm"})) {
    static constexpr std::pair<std::string_view, Provider> kNames[] = {
        {"auto", Provider::automatic},  {"generic", Provider::generic},
        {"openai", Provider::openai},   {"gemini", Provider::gemini},
        {"kimi", Provider::kimi},       {"deepseek", Provider::deepseek},
        {"minimax", Provider::minimax}, {"glm", Provider::glm}};
    for (const auto& [name, provider] : kNames) {
      if (*v == name) {
        out.provider = provider;
      }
    }
  }
  using worker::Reasoning;
  if (auto v = read_enum(upstream, "reasoning", {"auto", "off", "on", "low", "medium", "high"})) {
    static constexpr std::pair<std::string_view, Reasoning> kNames[] = {
        {"auto", Reasoning::automatic}, {"off", Reasoning::off},       {"on", Reasoning::on},
        {"low", Reasoning::low},        {"medium", Reasoning::medium}, {"high", Reasoning::high}};
    for (const auto& [name, reasoning] : kNames) {
      if (*v == name) {
        out.reasoning = reasoning;
      }
    }
  }
  read_forward_betas(upstream, out);
}

}  // namespace ccproxy::config
