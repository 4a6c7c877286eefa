#include "supervisor/restart_policy.h"

#include <algorithm>

namespace ccproxy::supervisor {

RestartPolicy::Decision RestartPolicy::on_failure(TimePoint now) {
  failures_.push_back(now);
  while (!failures_.empty() && now - failures_.front() > settings_.failure_window) {
    failures_.pop_front();
  }
  Decision d;
  if (static_cast<int>(failures_.size()) >= settings_.max_failures) {
    d.fatal = true;
    return d;
  }
  d.delay = next_delay();
  return d;
}

Duration RestartPolicy::on_unresponsive() {
  return next_delay();
}

// backoff_initial doubled per consecutive restart, at most backoff_max.
Duration RestartPolicy::next_delay() {
  Duration delay = settings_.backoff_initial;
  for (int i = 0; i < consecutive_ && delay < settings_.backoff_max; ++i) {
    delay *= 2;
  }
  ++consecutive_;
  return std::min<Duration>(delay, settings_.backoff_max);
}

void RestartPolicy::on_healthy(TimePoint since, TimePoint now) {
  if (consecutive_ > 0 && now - since >= settings_.healthy_reset) {
    consecutive_ = 0;
  }
}

void RestartPolicy::reset() {
  consecutive_ = 0;
  failures_.clear();
}

}  // namespace ccproxy::supervisor
