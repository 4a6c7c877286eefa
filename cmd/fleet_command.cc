#include "cmd/fleet_command.h"

#include <iostream>

namespace ccproxy::cmd {

bool refuse_broken_fleet(const config::Fleet& fleet, std::string_view command,
                         std::string_view done) {
  if (fleet.ok()) {
    return false;
  }
  for (const auto& d : fleet.problems) {
    std::cerr << "ccproxy " << command << ": " << d.str() << "\n";
  }
  std::cerr << "ccproxy " << command << ": nothing was " << done
            << "; fix the profiles (`ccproxy check`)\n";
  return true;
}

std::chrono::milliseconds rolling_bound(const config::SupervisorSettings& settings,
                                        std::size_t count) {
  auto per_worker = settings.start_timeout + settings.stop_timeout;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      per_worker * static_cast<int>(count) + std::chrono::seconds(2));
}

}  // namespace ccproxy::cmd
