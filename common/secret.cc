#include "common/secret.h"

namespace ccproxy {

std::string redact_secret(std::string_view secret) {
  if (secret.empty()) {
    return "(empty)";
  }
  // Below 12 characters the last four would give away too much of the key.
  if (secret.size() < 12) {
    return "…";
  }
  std::string out;
  auto dash = secret.find('-');
  if (dash != std::string_view::npos && dash <= 6) {
    out.append(secret.substr(0, dash + 1));
  }
  out.append("…");
  out.append(secret.substr(secret.size() - 4));
  return out;
}

bool secrets_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace ccproxy
