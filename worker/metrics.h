#pragma once
// The worker's counters, rendered as Prometheus text at GET /metrics. Single-threaded like the
// worker itself (one io_context): no atomics.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "worker/upstream/pool.h"

namespace ccproxy::worker {

/// The usage ledger's writer as /metrics shows it (when the ledger is on).
struct LedgerCounts {
  uint64_t written = 0;
  uint64_t dropped = 0;  // full disk, a database locked too long, or a full queue
};

class Metrics {
 public:
  /// Histogram bounds of ccproxy_request_duration_seconds (+Inf is implied).
  static constexpr std::array<double, 12> kLatencyBuckets = {0.05, 0.1, 0.25, 0.5, 1,   2.5,
                                                             5,    10,  30,   60,  120, 300};

  void request_started() { ++in_flight_; }
  /// One finished request: its status (including errors the worker produced itself).
  void request_finished(int status, double seconds);
  /// kind: connect, tls, proxy, timeout, closed, protocol, status.
  void upstream_error(std::string_view kind);
  /// A request's model was chosen by this routing rule (convert::route_name).
  void routed(std::string_view rule);
  void retry() { ++retries_; }
  void tokens(int64_t input, int64_t output);
  void stream_opened() { ++open_streams_; }
  void stream_closed() {
    if (open_streams_ > 0) {
      --open_streams_;
    }
  }
  void connection_opened() { ++open_connections_; }
  void connection_closed() {
    if (open_connections_ > 0) {
      --open_connections_;
    }
  }

  uint64_t requests_total() const { return requests_total_; }
  uint64_t requests_failed() const { return requests_failed_; }
  uint64_t in_flight() const { return in_flight_; }
  uint64_t open_streams() const { return open_streams_; }
  uint64_t retries() const { return retries_; }
  uint64_t input_tokens() const { return input_tokens_; }
  uint64_t output_tokens() const { return output_tokens_; }

  /// Prometheus text exposition format 0.0.4.
  /// `upstreams`: the pool's view, for the per-upstream series; `ledger`: the ledger writer's
  /// counts, when the ledger is on.
  std::string render(double uptime_seconds, const std::vector<UpstreamStatus>& upstreams = {},
                     std::optional<LedgerCounts> ledger = std::nullopt) const;

 private:
  std::map<int, uint64_t> by_status_;
  std::array<uint64_t, kLatencyBuckets.size()> bucket_counts_{};  // non-cumulative
  uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  std::map<std::string, uint64_t, std::less<>> upstream_errors_;
  std::map<std::string, uint64_t, std::less<>> routes_;
  uint64_t requests_total_ = 0;
  uint64_t requests_failed_ = 0;
  uint64_t in_flight_ = 0;
  uint64_t retries_ = 0;
  uint64_t input_tokens_ = 0;
  uint64_t output_tokens_ = 0;
  uint64_t open_streams_ = 0;
  uint64_t open_connections_ = 0;
};

}  // namespace ccproxy::worker
