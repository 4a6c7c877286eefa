#pragma once
// A profile's fingerprint: SHA-256 over every effective setting (secrets included, so a new key
// restarts the worker), shown as 16 hex digits. It reveals nothing usable about the secrets.

#include <string>

#include "worker/worker_config.h"

namespace ccproxy::config {

std::string fingerprint(const worker::WorkerConfig& config, const std::string& log_level);

}  // namespace ccproxy::config
