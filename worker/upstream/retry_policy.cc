#include "worker/upstream/retry_policy.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <string>

#include "common/text.h"

namespace ccproxy::worker {

RetryDecider::RetryDecider(const RetryPolicy& policy, Random random)
    : policy_(policy), random_(std::move(random)) {}

bool RetryDecider::retryable(const Attempt& attempt) {
  switch (attempt.failure) {
    case AttemptFailure::connect:
    case AttemptFailure::first_byte_timeout:
    case AttemptFailure::connection_lost:
      return true;
    case AttemptFailure::status:
      return attempt.status == 429 || (attempt.status >= 500 && attempt.status <= 599);
    case AttemptFailure::fatal:
      return false;
  }
  return false;
}

std::optional<std::chrono::milliseconds> RetryDecider::next_delay(int retries_done,
                                                                  const Attempt& attempt) const {
  if (retries_done >= policy_.max_retries || !retryable(attempt)) {
    return std::nullopt;
  }
  if (attempt.retry_after) {
    return std::clamp(*attempt.retry_after, std::chrono::milliseconds(0), policy_.retry_after_cap);
  }
  // initial * 2^n, computed in double so that a large n cannot overflow.
  double base = static_cast<double>(policy_.backoff_initial.count()) *
                std::pow(2.0, static_cast<double>(std::max(0, retries_done)));
  base = std::min(base, static_cast<double>(policy_.backoff_max.count()));
  double r = random_ ? random_() : 0.5;
  r = std::clamp(r, 0.0, 1.0);
  double jittered = base / 2.0 + r * base / 2.0;
  return std::chrono::milliseconds(static_cast<int64_t>(jittered));
}

namespace {

std::optional<double> parse_non_negative(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.')) {
      return std::nullopt;
    }
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim_blanks(value);
  if (auto seconds = parse_non_negative(value)) {
    // A day is far beyond any cap; clamping keeps the conversion defined.
    double ms = std::min(*seconds, 86'400.0) * 1000.0;
    return std::chrono::milliseconds(static_cast<int64_t>(ms));
  }
  // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
  std::string text(value);
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (when <= now) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
}

bool retry_after_copyable(std::string_view value) {
  constexpr std::size_t kMaxLength = 64;
  if (value.empty() || value.size() > kMaxLength) {
    return false;
  }
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return parse_retry_after(value, std::chrono::system_clock::now()).has_value();
}

std::optional<std::chrono::milliseconds> parse_retry_after_ms(std::string_view value) {
  auto ms = parse_non_negative(trim_blanks(value));
  if (!ms) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(*ms, 86'400'000.0)));
}

}  // namespace ccproxy::worker
