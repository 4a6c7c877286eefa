#pragma once
// One profile: its file's table over ccproxy.toml's [defaults] -> a validated Profile.

#include <cstdint>
#include <optional>
#include <string>

#include <toml++/toml.h>

#include "config/home.h"
#include "config/profile.h"
#include "config/table_reader.h"

namespace ccproxy::config {

struct ProfileRead {
  std::optional<Profile> profile;  // set only when the profile had no problem
  std::optional<uint16_t> port;    // set whenever the port itself was valid
  int port_line = 0;
};

/// `ctx.profile` and `ctx.profile_file` name the profile; problems go to ctx.problems.
/// `defaults` is ccproxy.toml's [defaults] table, or null.
ProfileRead read_profile(ReadContext& ctx, const Home& home, const toml::table& file,
                         const toml::table* defaults);

}  // namespace ccproxy::config
