#pragma once
// When to try the upstream again, and how long to wait first. Pure: the random source is
// injected, so the jitter is testable. Retries only ever happen before the first byte went
// to the client; the caller enforces that, this file only judges one failed attempt.

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "worker/worker_config.h"

namespace ccproxy::worker {

/// How one attempt at the upstream ended (when it did not succeed).
enum class AttemptFailure {
  connect,             // DNS, TCP connect, proxy CONNECT or connect timeout
  first_byte_timeout,  // no response headers in time
  connection_lost,     // the connection closed before the response headers
  status,              // the upstream answered with an HTTP error status
  fatal,               // TLS verification, protocol errors: trying again cannot help
};

struct Attempt {
  AttemptFailure failure = AttemptFailure::fatal;
  int status = 0;  // for AttemptFailure::status
  /// The upstream's Retry-After (or retry-after-ms), when it sent one.
  std::optional<std::chrono::milliseconds> retry_after{};
};

class RetryDecider {
 public:
  /// Uniform in [0, 1).
  using Random = std::function<double()>;

  RetryDecider(const RetryPolicy& policy, Random random);

  /// Connect failures, lost connections, first-byte timeouts, 429 and 5xx are worth another
  /// try; everything else (400, 401, TLS errors...) goes straight to the client.
  static bool retryable(const Attempt& attempt);

  /// The wait before the next attempt, or nullopt when `retries_done` retries already used the
  /// budget or the failure is not retryable. Exponential backoff from backoff_initial, capped
  /// at backoff_max, with "equal jitter" (half fixed, half random) so that a burst of failed
  /// requests does not come back in lockstep. A Retry-After from the upstream replaces the
  /// backoff, clamped to retry_after_cap.
  std::optional<std::chrono::milliseconds> next_delay(int retries_done,
                                                      const Attempt& attempt) const;

 private:
  RetryPolicy policy_;
  Random random_;
};

/// Retry-After as delta-seconds ("2", "1.5") or an HTTP date; nullopt when unparsable. A date
/// in the past gives zero.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

/// A Retry-After value fit to be copied into a client's response: printable ASCII only (no
/// control characters, nothing that could end the header line), at most 64 characters, and
/// readable by parse_retry_after (delta-seconds or an HTTP date).
bool retry_after_copyable(std::string_view value);

/// OpenAI's retry-after-ms header (milliseconds, maybe fractional).
std::optional<std::chrono::milliseconds> parse_retry_after_ms(std::string_view value);

}  // namespace ccproxy::worker
