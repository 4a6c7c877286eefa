#pragma once
// Health probes: HTTP GET /health on each worker, all at once on non-blocking sockets with one
// shared deadline, so a hung (e.g. SIGSTOPped) worker costs the timeout once, not per worker.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ccproxy::supervisor {

enum class HealthKind {
  ok,       // HTTP 200
  http,     // another HTTP status
  timeout,  // no status line before the deadline
  refused,  // nothing listens
  error,    // anything else (reset, garbage)
  none,     // not probed
};

struct HealthResult {
  HealthKind kind = HealthKind::none;
  int http_status = 0;
  std::chrono::microseconds latency{0};
  std::string detail;  // errno text for `error`
  std::string body;    // the /health JSON of a 200 (empty when it did not all arrive in time)

  bool healthy() const { return kind == HealthKind::ok; }
  /// "ok 2ms", "http 500", "timeout", "refused", "error: ...", "-".
  std::string str() const;
  /// "ok", "http", "timeout", "refused", "error", "none".
  std::string kind_name() const;
};

struct ProbeTarget {
  std::string host;  // IPv4 or IPv6 literal; 0.0.0.0 and :: are probed on loopback
  std::uint16_t port = 0;
};

class HealthProber {
 public:
  virtual ~HealthProber() = default;
  /// One result per target, in order; returns within `timeout` (plus a little).
  virtual std::vector<HealthResult> probe(const std::vector<ProbeTarget>& targets,
                                          std::chrono::milliseconds timeout) = 0;
};

class HttpHealthProber final : public HealthProber {
 public:
  std::vector<HealthResult> probe(const std::vector<ProbeTarget>& targets,
                                  std::chrono::milliseconds timeout) override;
};

}  // namespace ccproxy::supervisor
