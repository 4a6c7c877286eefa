#include "supervisor/restart_policy.h"

#include <gtest/gtest.h>

namespace ccproxy::supervisor {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RestartPolicy, BackoffDoublesFromOneSecondToThirty) {
  config::SupervisorSettings s;
  s.max_failures = 100;  // look at the delays only
  s.failure_window = std::chrono::hours(1);
  RestartPolicy p(s);
  TimePoint t{};
  std::vector<long long> delays;
  for (int i = 0; i < 8; ++i) {
    auto d = p.on_failure(t);
    ASSERT_FALSE(d.fatal);
    delays.push_back(std::chrono::duration_cast<milliseconds>(d.delay).count());
    t += seconds(1);
  }
  EXPECT_EQ(delays, (std::vector<long long>{1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000}));
}

TEST(RestartPolicy, BackoffResetsAfterHealthyForAMinute) {
  config::SupervisorSettings s;
  s.max_failures = 100;
  RestartPolicy p(s);
  TimePoint t{};
  p.on_failure(t);
  p.on_failure(t);
  EXPECT_EQ(p.on_failure(t).delay, seconds(4));
  TimePoint ready = t + seconds(5);
  p.on_healthy(ready, ready + seconds(59));
  EXPECT_EQ(p.consecutive_failures(), 3);  // not yet a minute
  p.on_healthy(ready, ready + seconds(60));
  EXPECT_EQ(p.consecutive_failures(), 0);
  EXPECT_EQ(p.on_failure(ready + seconds(61)).delay, seconds(1));
}

TEST(RestartPolicy, FatalAfterFiveFailuresWithinTheWindow) {
  config::SupervisorSettings s;  // max_failures 5, window 120 s
  RestartPolicy p(s);
  TimePoint t{};
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(p.on_failure(t + seconds(i)).fatal) << i;
  }
  EXPECT_TRUE(p.on_failure(t + seconds(4)).fatal);
}

TEST(RestartPolicy, FailuresOutsideTheWindowDoNotCount) {
  config::SupervisorSettings s;
  RestartPolicy p(s);
  TimePoint t{};
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(p.on_failure(t + seconds(i)).fatal);
  }
  // The first four are more than 120 s old by now.
  EXPECT_FALSE(p.on_failure(t + seconds(200)).fatal);
  EXPECT_EQ(p.failures_in_window(), 1);
}

TEST(RestartPolicy, UnresponsiveBacksOffButIsNeverAFailure) {
  config::SupervisorSettings s;  // max_failures 5
  RestartPolicy p(s);
  std::vector<long long> delays;
  for (int i = 0; i < 20; ++i) {
    delays.push_back(std::chrono::duration_cast<seconds>(p.on_unresponsive()).count());
  }
  EXPECT_EQ(delays[0], 1);
  EXPECT_EQ(delays[4], 16);
  EXPECT_EQ(delays[19], 30);
  EXPECT_EQ(p.failures_in_window(), 0);
  // A crash after them is the first failure, with the backoff reached so far.
  auto d = p.on_failure(TimePoint{});
  EXPECT_FALSE(d.fatal);
  EXPECT_EQ(d.delay, seconds(30));
  EXPECT_EQ(p.failures_in_window(), 1);
}

TEST(RestartPolicy, ResetForgetsFailures) {
  config::SupervisorSettings s;
  RestartPolicy p(s);
  TimePoint t{};
  for (int i = 0; i < 4; ++i) {
    (void)p.on_failure(t);
  }
  p.reset();
  EXPECT_FALSE(p.on_failure(t).fatal);
  EXPECT_EQ(p.consecutive_failures(), 1);
}

}  // namespace
}  // namespace ccproxy::supervisor
