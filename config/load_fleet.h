#pragma once
// Loading the fleet: one TOML file per worker (profiles/<name>.toml), defaults from
// ccproxy.toml, ${VAR} values from the environment and the home's .env. Loading never throws:
// every problem becomes a Diagnostic in Fleet::problems.

#include "config/environment.h"
#include "config/fleet.h"
#include "config/home.h"

namespace ccproxy::config {

/// Loads ccproxy.toml (optional) and every profiles/*.toml; validates each and across them
/// (duplicate ports name both files).
Fleet load_fleet(const Home& home, const Environment& env);

}  // namespace ccproxy::config
