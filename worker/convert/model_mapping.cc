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

std::string map_model(std::string_view client_model, const worker::ModelMap& models) {
  if (models.passthrough_provider_models) {
    if (client_model.find('/') != std::string_view::npos ||
        (!client_model.empty() && (client_model == models.big || client_model == models.middle ||
                                   client_model == models.small))) {
      return std::string(client_model);
    }
  }
  const std::string* target = &models.big;
  if (contains_ci(client_model, "haiku")) {
    target = &models.small;
  } else if (contains_ci(client_model, "sonnet")) {
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
