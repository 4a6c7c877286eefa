#pragma once
// One profile (profiles/<name>.toml) as loaded: the worker's settings with its secrets resolved.

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "usage/pricing.h"
#include "worker/worker_config.h"

namespace ccproxy::config {

struct Profile {
  std::string name;             // file stem
  std::filesystem::path file;   // absolute path of the profile
  worker::WorkerConfig worker;  // everything the worker needs, secrets resolved
  std::string log_level = "info";
  usage::PriceTable pricing;  // [pricing]: USD per million tokens by provider model
  /// [presets.NAME]: named sets of tier -> model (`ccproxy model NAME PRESET` writes one into
  /// [models]), tiers in Tier order. Not part of the fingerprint: the worker never reads them.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> presets;
  /// Changes whenever any effective setting changes (reload restarts only those).
  std::string fingerprint;
};

}  // namespace ccproxy::config
