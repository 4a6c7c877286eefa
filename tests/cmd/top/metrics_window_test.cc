// ccproxy top's reading of /metrics and the last minute's figures.

#include "cmd/top/metrics_window.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "worker/metrics.h"

namespace ccproxy::cmd::top {
namespace {

using std::chrono::seconds;

TEST(ParseMetrics, ReadsWhatTheWorkerRenders) {
  worker::Metrics m;
  for (int i = 0; i < 3; ++i) {
    m.request_started();
  }
  m.request_finished(200, 0.03);
  m.request_finished(200, 0.2);
  m.request_finished(502, 7);
  m.tokens(100, 20);
  m.stream_opened();
  auto s = parse_metrics(m.render(12));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->requests, 3);
  EXPECT_EQ(s->failed, 1);
  EXPECT_EQ(s->tokens, 120);
  EXPECT_EQ(s->open_streams, 1);
  ASSERT_EQ(s->buckets.size(), worker::Metrics::kLatencyBuckets.size() + 1);
  EXPECT_EQ(s->buckets.front(), (std::pair<double, double>{0.05, 1}));
  EXPECT_EQ(s->buckets.back().first, std::numeric_limits<double>::infinity());
  EXPECT_EQ(s->buckets.back().second, 3);
}

TEST(ParseMetrics, RefusesTextThatIsNotAWorkersMetrics) {
  EXPECT_FALSE(parse_metrics("").has_value());
  EXPECT_FALSE(parse_metrics("<html>nope</html>").has_value());
}

TEST(HistogramQuantile, InterpolatesInsideTheBucketOfTheDifference) {
  std::vector<std::pair<double, double>> before = {{0.1, 10}, {1, 10}, {10, 10}, {INFINITY, 10}};
  std::vector<std::pair<double, double>> after = {{0.1, 10}, {1, 110}, {10, 110}, {INFINITY, 110}};
  // 100 new observations, all in (0.1, 1]: the median is half way.
  EXPECT_NEAR(*histogram_quantile(0.5, before, after), 0.55, 1e-9);
  EXPECT_NEAR(*histogram_quantile(0.99, before, after), 0.1 + 0.9 * 0.99, 1e-9);
  EXPECT_FALSE(histogram_quantile(0.5, after, after).has_value());  // nothing new
}

TEST(HistogramQuantile, PastTheLastBoundIsThatBound) {
  std::vector<std::pair<double, double>> after = {{0.1, 0}, {300, 1}, {INFINITY, 100}};
  EXPECT_EQ(*histogram_quantile(0.99, {}, after), 300);
}

MetricsSample sample(double requests, double tokens, double fast, double slow) {
  MetricsSample s;
  s.requests = requests;
  s.tokens = tokens;
  s.buckets = {{0.05, fast}, {1, fast + slow}, {INFINITY, fast + slow}};
  return s;
}

TEST(MetricsWindow, RatesOverTheLastTenSecondsAndTheMinute) {
  MetricsWindow w;
  auto t0 = MetricsWindow::Clock::time_point{} + seconds(1000);
  EXPECT_FALSE(w.stats().requests_per_s.has_value());
  for (int i = 0; i <= 70; ++i) {
    // 5 requests and 600 tokens per second, all fast.
    w.add(t0 + seconds(i), sample(5.0 * i, 600.0 * i, 5.0 * i, 0));
  }
  WindowStats s = w.stats();
  EXPECT_NEAR(*s.requests_per_s, 5, 1e-9);
  EXPECT_NEAR(*s.tokens_per_min, 36000, 1e-6);
  EXPECT_NEAR(*s.p50_s, 0.025, 1e-9);
  EXPECT_EQ(*s.failed, 0);
}

TEST(MetricsWindow, OnlyTheLastMinuteCountsForLatency) {
  MetricsWindow w;
  auto t0 = MetricsWindow::Clock::time_point{} + seconds(1000);
  w.add(t0, sample(0, 0, 0, 0));
  w.add(t0 + seconds(1), sample(100, 0, 0, 100));  // 100 slow requests, long ago
  for (int i = 2; i <= 80; ++i) {
    w.add(t0 + seconds(i), sample(100 + i, 0, i, 100));  // then fast ones only
  }
  WindowStats s = w.stats();
  ASSERT_TRUE(s.p99_s.has_value());
  EXPECT_LE(*s.p99_s, 0.05);
}

TEST(MetricsWindow, ACounterThatShrinksStartsAFreshHistory) {
  MetricsWindow w;
  auto t0 = MetricsWindow::Clock::time_point{} + seconds(1000);
  w.add(t0, sample(500, 0, 500, 0));
  w.add(t0 + seconds(1), sample(510, 0, 510, 0));
  w.add(t0 + seconds(2), sample(3, 0, 3, 0));  // the worker restarted
  EXPECT_FALSE(w.stats().requests_per_s.has_value());
  w.add(t0 + seconds(3), sample(5, 0, 5, 0));
  EXPECT_NEAR(*w.stats().requests_per_s, 2, 1e-9);
}

}  // namespace
}  // namespace ccproxy::cmd::top
