#include "worker/http/client_auth.h"

#include "common/secret.h"

namespace ccproxy::worker {
namespace {

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) {
    return {};
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
      return {};
    }
  }
  if (authorization[kScheme.size()] != ' ') {
    return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') {
    token.remove_prefix(1);
  }
  while (!token.empty() && token.back() == ' ') {
    token.remove_suffix(1);
  }
  return token;
}

}  // namespace

ClientAuth check_client_key(std::string_view expected, std::string_view x_api_key,
                            std::string_view authorization) {
  if (expected.empty()) {
    return ClientAuth::ok;
  }
  std::string_view bearer = bearer_token(authorization);
  if (x_api_key.empty() && bearer.empty()) {
    return ClientAuth::missing;
  }
  // Both are checked (no early exit) so that timing does not tell which header matched.
  bool a = !x_api_key.empty() && secrets_equal(x_api_key, expected);
  bool b = !bearer.empty() && secrets_equal(bearer, expected);
  return (a || b) ? ClientAuth::ok : ClientAuth::invalid;
}

}  // namespace ccproxy::worker
