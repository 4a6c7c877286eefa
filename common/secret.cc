#include "common/secret.h"

namespace ccproxy {

std::string redact_secret(std::string_view secret) {
  if (secret.empty()) {
    return "(empty)";
  }
  if (secret.size() < kRedactMinRevealLength) {
    return "…";
  }
  std::string out;
  // A vendor marker such as "sk-" says which kind of key it is, not the key.
  auto dash = secret.find('-');
  if (dash != std::string_view::npos && dash <= kRedactMaxMarkerLength) {
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
