#include "config/home.h"

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
  root = std::filesystem::absolute(root).lexically_normal();
  // "/x/." normalises to "/x/"; drop the trailing separator so paths print cleanly.
  if (!root.has_filename() && root.has_relative_path()) {
    root = root.parent_path();
  }
  return Home{root};
}

}  // namespace ccproxy::config
