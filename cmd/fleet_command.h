#pragma once
// What the fleet commands (start, stop, restart, reload) share on the command line: refusing
// broken profiles and the time a rolling change may take.

#include <chrono>
#include <cstddef>
#include <string_view>

#include "config/fleet.h"
#include "config/supervisor_settings.h"

namespace ccproxy::cmd {

/// When the fleet has problems: prints each as "ccproxy COMMAND: ..." and then "nothing was
/// DONE; fix the profiles", and returns true.
bool refuse_broken_fleet(const config::Fleet& fleet, std::string_view command,
                         std::string_view done);

/// How long `count` workers changed one at a time may take: each stops and starts, plus 2 s.
std::chrono::milliseconds rolling_bound(const config::SupervisorSettings& settings,
                                        std::size_t count);

}  // namespace ccproxy::cmd
