#pragma once
// A worker's /metrics read back (the counters `ccproxy top` needs) and what they say over the
// last minute: requests per second, p50/p99 latency from the duration histogram, tokens per
// minute. Counters only grow; one that shrinks means a new process, and the history restarts.

#include <chrono>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace ccproxy::cmd::top {

struct MetricsSample {
  double requests = 0;  // ccproxy_requests_total, all codes
  double failed = 0;    // codes >= 400
  double tokens = 0;    // ccproxy_tokens_total, input and output
  double open_streams = 0;
  double in_flight = 0;
  /// ccproxy_request_duration_seconds_bucket: (le, cumulative count), ascending, +Inf last.
  std::vector<std::pair<double, double>> buckets;
};

/// The sample in Prometheus text, or nullopt when it holds no ccproxy_requests_total family
/// (not a ccproxy worker's /metrics).
std::optional<MetricsSample> parse_metrics(std::string_view text);

/// The q-quantile (0..1) of the observations between two cumulative histograms (`later` minus
/// `earlier`, same bounds), interpolated linearly inside the bucket as Prometheus does; an
/// observation past the last finite bound counts as that bound. nullopt without observations.
std::optional<double> histogram_quantile(double q,
                                         const std::vector<std::pair<double, double>>& earlier,
                                         const std::vector<std::pair<double, double>>& later);

struct WindowStats {
  std::optional<double> requests_per_s;  // over the last rate_span
  std::optional<double> p50_s, p99_s;    // over the window
  std::optional<double> tokens_per_min;  // over the window, per minute
  std::optional<double> failed;          // failed requests within the window
};

class MetricsWindow {
 public:
  using Clock = std::chrono::steady_clock;

  explicit MetricsWindow(std::chrono::seconds span = std::chrono::seconds(60),
                         std::chrono::seconds rate_span = std::chrono::seconds(10))
      : span_(span), rate_span_(rate_span) {}

  /// Adds a sample; older ones past the span are dropped (one is kept as the baseline). A
  /// counter lower than before (the worker restarted) restarts the history.
  void add(Clock::time_point at, const MetricsSample& sample);
  void clear() { samples_.clear(); }

  WindowStats stats() const;
  const MetricsSample* latest() const {
    return samples_.empty() ? nullptr : &samples_.back().second;
  }

 private:
  std::chrono::seconds span_;
  std::chrono::seconds rate_span_;
  std::deque<std::pair<Clock::time_point, MetricsSample>> samples_;
};

}  // namespace ccproxy::cmd::top
