#include "config/profile.h"

#include <cstdlib>

namespace ccproxy::config {

Home Home::resolve(const std::optional<std::filesystem::path>& flag) {
  std::filesystem::path root;
  if (flag) {
    root = *flag;
  } else if (const char* env = std::getenv("CCPROXY_HOME"); env != nullptr && *env != '\0') {
    root = env;
  } else {
    root = std::filesystem::current_path();
  }
  return Home{std::filesystem::absolute(root).lexically_normal()};
}

}  // namespace ccproxy::config
