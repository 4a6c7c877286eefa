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
  root = std::filesystem::absolute(root).lexically_normal();
  // "/x/." normalises to "/x/"; drop the trailing separator so paths print cleanly.
  if (!root.has_filename() && root.has_relative_path()) {
    root = root.parent_path();
  }
  return Home{root};
}

std::string Diagnostic::str() const {
  std::string out = file.generic_string();
  if (!out.empty()) {
    if (line > 0) {
      out += ":" + std::to_string(line);
    }
    out += ": ";
  }
  if (!key.empty()) {
    out += key + ": ";
  }
  out += message;
  return out;
}

const Profile* Fleet::find(const std::string& name) const {
  for (const auto& p : profiles) {
    if (p.name == name) {
      return &p;
    }
  }
  return nullptr;
}

std::vector<Diagnostic> Fleet::problems_of(const std::string& name) const {
  std::vector<Diagnostic> out;
  const std::string own_file = "profiles/" + name + ".toml:";
  for (const auto& d : problems) {
    // A port clash is filed under the later profile but names the earlier one's file too.
    bool port_clash = d.key == "port" && d.message.find(own_file) != std::string::npos;
    if (d.profile.empty() || d.profile == name || port_clash) {
      out.push_back(d);
    }
  }
  return out;
}

}  // namespace ccproxy::config
