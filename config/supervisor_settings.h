#pragma once
// Fleet policy ([supervisor] in ccproxy.toml): start and stop times, health probes, restarts.

#include <chrono>

namespace ccproxy::config {

struct SupervisorSettings {
  std::chrono::milliseconds start_timeout{15'000};
  std::chrono::milliseconds stop_timeout{10'000};  // drain time before SIGKILL
  std::chrono::milliseconds health_interval{5'000};
  int health_failures = 3;  // consecutive failed probes before a restart
  std::chrono::milliseconds backoff_initial{1'000};
  std::chrono::milliseconds backoff_max{30'000};
  std::chrono::milliseconds healthy_reset{60'000};  // healthy this long resets the backoff
  int max_failures = 5;                             // within failure_window -> fatal
  std::chrono::milliseconds failure_window{120'000};
};

}  // namespace ccproxy::config
