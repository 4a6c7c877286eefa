#pragma once
// The loaded fleet: every valid profile, the fleet-wide settings and every problem found.

#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/log_settings.h"
#include "config/profile.h"
#include "config/supervisor_settings.h"
#include "config/usage_settings.h"

namespace ccproxy::config {

struct Fleet {
  /// Sorted by port. Holds the profiles that loaded without a problem of their own; a
  /// cross-profile problem (a duplicate port) keeps both profiles here but is in `problems`.
  std::vector<Profile> profiles;
  LogSettings logs;
  SupervisorSettings supervisor;
  UsageSettings usage;
  std::vector<Diagnostic> problems;  // empty when everything is valid

  bool ok() const { return problems.empty(); }
  const Profile* find(const std::string& name) const;
  /// The problems that stop `name` from running: its own, the fleet-wide ones, and a port
  /// clash with a later profile that names `name`'s file.
  std::vector<Diagnostic> problems_of(const std::string& name) const;
};

}  // namespace ccproxy::config
