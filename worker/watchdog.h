#pragma once
// A re-armable deadline that runs an action (usually: close a socket) when it passes. Closing
// is what makes every pending operation fail at once, whatever layer (TLS, proxy) it is in;
// Beast's tcp_stream works the same way. Internal to the worker (includes Asio).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

namespace ccproxy::worker {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Watchdog(boost::asio::any_io_executor executor);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  /// Runs `on_expire` once at `deadline` unless re-armed or disarmed before.
  void arm(Clock::time_point deadline, std::function<void()> on_expire);
  void disarm();
  /// The last armed deadline passed and its action ran.
  bool fired() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace ccproxy::worker
