#include "config/diagnostic.h"

namespace ccproxy::config {

std::string Diagnostic::str() const {
  std::string out = file.generic_string();
  if (!out.empty()) {
    if (line > 0) {
      out += ':';
      out += std::to_string(line);
    }
    out += ": ";
  }
  if (!key.empty()) {
    out += key + ": ";
  }
  out += message;
  return out;
}

}  // namespace ccproxy::config
