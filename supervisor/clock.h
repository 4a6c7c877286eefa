#pragma once
// Clock: the supervisor's only source of time, so restart policy and timeouts are tested with a
// fake clock instead of sleeps.

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
