#pragma once
// Restart policy of one worker: exponential backoff (1 s doubling to 30 s by default), reset once
// the worker has been healthy for `healthy_reset`; `max_failures` failures within
// `failure_window` make it fatal. A worker restarted because it stopped answering while alive
// (on_unresponsive) backs off the same way but never becomes fatal: anyone who can reach its
// port can make it unresponsive, and that must not take the profile down for good. Pure logic
// over a time point; no clock of its own.

#include <deque>

#include "config/supervisor_settings.h"
#include "supervisor/clock.h"

namespace ccproxy::supervisor {

class RestartPolicy {
 public:
  explicit RestartPolicy(const config::SupervisorSettings& settings) : settings_(settings) {}

  struct Decision {
    bool fatal = false;
    Duration delay{};  // wait this long before the next start (when not fatal)
  };

  /// The worker failed (exited, failed to start, or stopped answering /health without holding
  /// its port) at `now`.
  Decision on_failure(TimePoint now);

  /// The worker is restarted because /health did not answer while its process lived
  /// and held its port: the next backoff delay; not a failure towards `max_failures`.
  Duration on_unresponsive();

  /// The worker is ready and has been healthy since `since`; resets the backoff once that
  /// lasted `healthy_reset`.
  void on_healthy(TimePoint since, TimePoint now);

  /// A user's start/restart: forget the past failures.
  void reset();

  int consecutive_failures() const { return consecutive_; }
  int failures_in_window() const { return static_cast<int>(failures_.size()); }
  void set_settings(const config::SupervisorSettings& s) { settings_ = s; }

 private:
  Duration next_delay();

  config::SupervisorSettings settings_;
  int consecutive_ = 0;
  std::deque<TimePoint> failures_;
};

}  // namespace ccproxy::supervisor
