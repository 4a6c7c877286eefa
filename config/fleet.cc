#include "config/fleet.h"

namespace ccproxy::config {

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
