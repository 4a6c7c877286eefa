#pragma once
// Loading the fleet: one TOML file per worker (profiles/<name>.toml), defaults from
// ccproxy.toml, ${VAR} values from the environment and the home's .env. Loading never throws:
// every problem becomes a Diagnostic in Fleet::problems.

#include <string>

#include "config/environment.h"
#include "config/fleet.h"
#include "config/home.h"

namespace ccproxy::config {

/// Loads ccproxy.toml (optional) and every profiles/*.toml; validates each and across them
/// (duplicate ports name both files).
Fleet load_fleet(const Home& home, const Environment& env);

/// A profile's text standing in for its file.
struct ProfileText {
  std::string name;
  std::string text;
};
/// load_fleet() as if profiles/<edit.name>.toml held edit.text: what an edit would give,
/// checked before it is written.
Fleet load_fleet(const Home& home, const Environment& env, const ProfileText& edit);

}  // namespace ccproxy::config
