#pragma once
// The options every golden fixture is converted with.

#include "worker/convert/convert.h"

namespace ccproxy::convert::testing {

inline const worker::ModelMap& golden_models() {
  static const worker::ModelMap models{"glm-4.6", "glm-4.5", "glm-4.5-air", true};
  return models;
}

inline RequestOptions golden_request_options() {
  RequestOptions options;
  options.models = &golden_models();
  options.max_tokens = worker::TokenLimits{16, 32000};
  return options;
}

inline ResponseContext golden_response_context() {
  return ResponseContext{"msg_golden01", "claude-sonnet-4-5"};
}

}  // namespace ccproxy::convert::testing
