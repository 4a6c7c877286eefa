#include "worker/watchdog.h"

namespace ccproxy::worker {

struct Watchdog::State {
  explicit State(boost::asio::any_io_executor ex) : timer(std::move(ex)) {}
  boost::asio::steady_timer timer;
  std::function<void()> on_expire;
  uint64_t generation = 0;
  bool fired = false;
};

Watchdog::Watchdog(boost::asio::any_io_executor executor)
    : state_(std::make_shared<State>(std::move(executor))) {}

Watchdog::~Watchdog() {
  disarm();
}

void Watchdog::arm(Clock::time_point deadline, std::function<void()> on_expire) {
  auto& s = *state_;
  ++s.generation;
  s.fired = false;
  s.on_expire = std::move(on_expire);
  s.timer.expires_at(deadline);
  s.timer.async_wait([st = state_, gen = s.generation](const boost::system::error_code& ec) {
    // A re-armed or disarmed watchdog bumps the generation; a stale wake-up does nothing.
    if (ec || st->generation != gen || !st->on_expire) {
      return;
    }
    st->fired = true;
    auto action = std::move(st->on_expire);
    st->on_expire = nullptr;
    action();
  });
}

void Watchdog::disarm() {
  auto& s = *state_;
  ++s.generation;
  s.on_expire = nullptr;
  s.timer.cancel();
}

bool Watchdog::fired() const {
  return state_->fired;
}

}  // namespace ccproxy::worker
