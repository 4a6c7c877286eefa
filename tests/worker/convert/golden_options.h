#pragma once
// The options every golden fixture is converted with, and the Claude Code request fixture.

#include <fstream>
#include <sstream>
#include <string>

#include "worker/convert/convert.h"

namespace ccproxy::convert::testing {

inline const worker::ModelMap& golden_models() {
  static const worker::ModelMap models{"glm-4.6", "glm-4.5", "glm-4.5-air", "", "", "", true};
  return models;
}

inline RequestOptions golden_request_options() {
  RequestOptions options;
  options.models = &golden_models();
  options.max_tokens = worker::TokenLimits{16, 32000};
  return options;
}

/// The 86 KB request the Claude Code CLI sends (tests/fixtures/claude-code-request.json).
inline std::string claude_code_fixture() {
  std::ifstream in(CCPROXY_FIXTURE, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline ResponseContext golden_response_context() {
  return ResponseContext{"msg_golden01", "claude-sonnet-4-5"};
}

}  // namespace ccproxy::convert::testing
