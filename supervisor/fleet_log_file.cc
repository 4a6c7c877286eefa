#include "supervisor/fleet_log_file.h"

namespace ccproxy::supervisor {

logging::LogFileOptions fleet_log_options(const config::Home& home, const config::LogSettings& logs,
                                          const std::string& name, bool redirect_stdio) {
  logging::LogFileOptions o;
  o.dir = home.logs_dir();
  o.name = name;
  o.policy.max_bytes = logs.rotate_bytes;
  o.policy.daily = logs.rotate_daily;
  o.policy.compress = logs.compress;
  o.policy.retention_days = logs.retention_days;
  o.policy.max_total_bytes = logs.max_total_bytes;
  o.redirect_stdio = redirect_stdio;
  return o;
}

std::vector<std::string> profile_secrets(const config::Profile& profile) {
  std::vector<std::string> out;
  for (const auto& u : profile.worker.upstreams) {
    for (const auto& k : u.api_keys) {
      if (!k.empty()) {
        out.push_back(k);
      }
    }
  }
  if (!profile.worker.client_api_key.empty()) {
    out.push_back(profile.worker.client_api_key);
  }
  return out;
}

}  // namespace ccproxy::supervisor
