#include "worker/convert/model_mapping.h"

#include <algorithm>
#include <cctype>

namespace ccproxy::convert {
namespace {

bool contains_ci(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != haystack.end();
}

}  // namespace

worker::Tier family_tier(std::string_view client_model) {
  if (contains_ci(client_model, "haiku")) {
    return worker::Tier::small;
  }
  if (contains_ci(client_model, "sonnet")) {
    return worker::Tier::middle;
  }
  return worker::Tier::big;
}

bool passes_through(std::string_view client_model, const worker::ModelMap& models) {
  return models.passthrough_provider_models &&
         (client_model.find('/') != std::string_view::npos ||
          (!client_model.empty() && (client_model == models.big || client_model == models.middle ||
                                     client_model == models.small)));
}

std::string map_model(std::string_view client_model, const worker::ModelMap& models) {
  if (passes_through(client_model, models)) {
    return std::string(client_model);
  }
  const worker::Tier tier = family_tier(client_model);
  const std::string* target = &models.big;
  if (tier == worker::Tier::small) {
    target = &models.small;
  } else if (tier == worker::Tier::middle) {
    target = &models.middle;
  }
  if (target == &models.small && target->empty()) {
    target = &models.middle;
  }
  if (target == &models.middle && target->empty()) {
    target = &models.big;
  }
  if (target->empty()) {
    return std::string(client_model);
  }
  return *target;
}

}  // namespace ccproxy::convert
