#include "worker/upstream/retry_policy.h"

#include <gtest/gtest.h>

#include <string>

namespace ccproxy::worker {
namespace {

using std::chrono::milliseconds;

RetryPolicy policy() {
  RetryPolicy p;
  p.max_retries = 3;
  p.backoff_initial = milliseconds(500);
  p.backoff_max = milliseconds(3'000);
  p.retry_after_cap = milliseconds(10'000);
  return p;
}

Attempt status(int s, std::optional<milliseconds> retry_after = std::nullopt) {
  return Attempt{AttemptFailure::status, s, retry_after};
}

TEST(RetryPolicy, RetryableFailures) {
  EXPECT_TRUE(RetryDecider::retryable(status(429)));
  EXPECT_TRUE(RetryDecider::retryable(status(500)));
  EXPECT_TRUE(RetryDecider::retryable(status(503)));
  EXPECT_TRUE(RetryDecider::retryable(status(529)));
  EXPECT_FALSE(RetryDecider::retryable(status(400)));
  EXPECT_FALSE(RetryDecider::retryable(status(401)));
  EXPECT_FALSE(RetryDecider::retryable(status(404)));
  EXPECT_FALSE(RetryDecider::retryable(status(413)));
  EXPECT_TRUE(RetryDecider::retryable(Attempt{AttemptFailure::connect}));
  EXPECT_TRUE(RetryDecider::retryable(Attempt{AttemptFailure::first_byte_timeout}));
  EXPECT_TRUE(RetryDecider::retryable(Attempt{AttemptFailure::connection_lost}));
  EXPECT_FALSE(RetryDecider::retryable(Attempt{AttemptFailure::fatal}));
}

TEST(RetryPolicy, ExponentialWithEqualJitter) {
  // random() == 0: the fixed half only; random() -> 1: the full delay.
  RetryDecider low(policy(), [] { return 0.0; });
  RetryDecider high(policy(), [] { return 0.999999; });
  EXPECT_EQ(low.next_delay(0, status(503)), milliseconds(250));
  EXPECT_EQ(low.next_delay(1, status(503)), milliseconds(500));
  EXPECT_EQ(low.next_delay(2, status(503)), milliseconds(1'000));
  EXPECT_NEAR(high.next_delay(0, status(503))->count(), 500, 1);
  EXPECT_NEAR(high.next_delay(2, status(503))->count(), 2'000, 1);
}

TEST(RetryPolicy, BackoffIsCapped) {
  RetryPolicy p = policy();
  p.max_retries = 50;
  RetryDecider d(p, [] { return 0.999999; });
  EXPECT_NEAR(d.next_delay(10, status(500))->count(), 3'000, 1);
  EXPECT_NEAR(d.next_delay(49, status(500))->count(), 3'000, 1);
}

TEST(RetryPolicy, StopsAfterBudget) {
  RetryDecider d(policy(), [] { return 0.5; });
  EXPECT_TRUE(d.next_delay(2, status(429)).has_value());
  EXPECT_FALSE(d.next_delay(3, status(429)).has_value());
  EXPECT_FALSE(d.next_delay(0, status(400)).has_value());
  RetryPolicy none = policy();
  none.max_retries = 0;
  EXPECT_FALSE(RetryDecider(none, [] { return 0.5; }).next_delay(0, status(503)).has_value());
}

TEST(RetryPolicy, RetryAfterReplacesBackoffUpToCap) {
  RetryDecider d(policy(), [] { return 0.0; });
  EXPECT_EQ(d.next_delay(0, status(429, milliseconds(2'000))), milliseconds(2'000));
  EXPECT_EQ(d.next_delay(0, status(429, milliseconds(60'000))), milliseconds(10'000));
  EXPECT_EQ(d.next_delay(0, status(429, milliseconds(0))), milliseconds(0));
  // Retry-After on a non-retryable status changes nothing.
  EXPECT_FALSE(d.next_delay(0, status(400, milliseconds(1'000))).has_value());
}

TEST(RetryAfter, Seconds) {
  auto now = std::chrono::system_clock::now();
  EXPECT_EQ(parse_retry_after("3", now), milliseconds(3'000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("1.5", now), milliseconds(1'500));
  EXPECT_FALSE(parse_retry_after("-1", now).has_value());
  EXPECT_FALSE(parse_retry_after("soon", now).has_value());
  EXPECT_FALSE(parse_retry_after("", now).has_value());
}

TEST(RetryAfter, HttpDate) {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 21;
  tm.tm_hour = 12;
  tm.tm_min = 0;
  tm.tm_sec = 0;
  auto now = std::chrono::system_clock::from_time_t(timegm(&tm));
  EXPECT_EQ(parse_retry_after("Sat, 21 Nov 2026 12:00:30 GMT", now), milliseconds(30'000));
  EXPECT_EQ(parse_retry_after("Sat, 21 Nov 2026 11:00:00 GMT", now), milliseconds(0));
  EXPECT_FALSE(parse_retry_after("Sat, 21 Nov 2026 12:00:30", now).has_value());
}

TEST(RetryAfter, OnlyWellFormedValuesAreCopyable) {
  EXPECT_TRUE(retry_after_copyable("0"));
  EXPECT_TRUE(retry_after_copyable("120"));
  EXPECT_TRUE(retry_after_copyable("Sat, 21 Nov 2026 12:00:30 GMT"));
  EXPECT_FALSE(retry_after_copyable(""));
  EXPECT_FALSE(retry_after_copyable("0\nX-Injected: yes"));
  EXPECT_FALSE(retry_after_copyable("0\r\nX-Injected: yes"));
  EXPECT_FALSE(retry_after_copyable("1\t"));
  EXPECT_FALSE(retry_after_copyable("soon"));
  EXPECT_FALSE(retry_after_copyable("Sat, 21 Nov 2026 12:00:30 GMT\x7f"));
  EXPECT_FALSE(retry_after_copyable("\xc3\xa9"));
  EXPECT_FALSE(retry_after_copyable(std::string(65, '1')));
}

TEST(RetryAfter, Milliseconds) {
  EXPECT_EQ(parse_retry_after_ms("250"), milliseconds(250));
  EXPECT_EQ(parse_retry_after_ms("12.7"), milliseconds(12));
  EXPECT_FALSE(parse_retry_after_ms("x").has_value());
}

}  // namespace
}  // namespace ccproxy::worker
