#include "logging/redact.h"

#include "common/secret.h"

namespace ccproxy::logging {

std::size_t redact_secrets(std::string* text, const std::vector<std::string>& secrets) {
  std::size_t count = 0;
  for (const auto& secret : secrets) {
    if (secret.empty()) {
      continue;
    }
    std::size_t pos = text->find(secret);
    if (pos == std::string::npos) {
      continue;
    }
    const std::string hint = redact_secret(secret);
    while (pos != std::string::npos) {
      text->replace(pos, secret.size(), hint);
      ++count;
      pos = text->find(secret, pos + hint.size());
    }
  }
  return count;
}

}  // namespace ccproxy::logging
