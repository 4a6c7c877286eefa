#pragma once
// Clock: where FleetSupervisor takes the time from, so its backoff, start/stop timeouts and
// health intervals are tested with a fake clock instead of sleeps. The OS-facing parts (health
// probes, spawn, the control channel) time their own I/O with std::chrono::steady_clock.

#include <chrono>

namespace ccproxy::supervisor {

using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace ccproxy::supervisor
