#pragma once
// The log file of a fleet process under the home's [logs] settings: logs/ccproxy.log for the
// supervisor, logs/<profile>.log for each worker.

#include <string>
#include <vector>

#include "config/home.h"
#include "config/log_settings.h"
#include "config/profile.h"
#include "logging/log_file.h"

namespace ccproxy::supervisor {

/// Options for logging::open_log_file: logs/<name>.log rotated, compressed and cleaned as
/// `logs` says. `redirect_stdio`: point stdout/stderr at it too (a process in the background).
logging::LogFileOptions fleet_log_options(const config::Home& home, const config::LogSettings& logs,
                                          const std::string& name, bool redirect_stdio);

/// What a profile's worker log masks (LogFileOptions::secrets, logging::stderr_sink): every
/// configured secret of the profile, the upstream api_key and the client_api_key, when set.
std::vector<std::string> profile_secrets(const config::Profile& profile);

}  // namespace ccproxy::supervisor
