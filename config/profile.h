#pragma once
// One profile (profiles/<name>.toml) as loaded: the worker's settings with its secrets resolved.

#include <filesystem>
#include <string>

#include "usage/pricing.h"
#include "worker/worker_config.h"

namespace ccproxy::config {

struct Profile {
  std::string name;             // file stem
  std::filesystem::path file;   // absolute path of the profile
  worker::WorkerConfig worker;  // everything the worker needs, secrets resolved
  std::string log_level = "info";
  usage::PriceTable pricing;  // [pricing]: USD per million tokens by provider model
  /// Changes whenever any effective setting changes (reload restarts only those).
  std::string fingerprint;
};

}  // namespace ccproxy::config
