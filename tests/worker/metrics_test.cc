#include "worker/metrics.h"

#include <gtest/gtest.h>

namespace ccproxy::worker {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Metrics, CountsAndRenders) {
  Metrics m;
  m.request_started();
  m.request_started();
  m.request_started();
  m.request_finished(200, 0.07);
  m.request_finished(200, 3.0);
  m.request_finished(429, 0.2);
  m.upstream_error("status");
  m.upstream_error("timeout");
  m.upstream_error("status");
  m.retry();
  m.tokens(100, 20);
  m.tokens(5, -1);  // nonsense from a provider never decrements
  m.stream_opened();
  m.connection_opened();
  m.connection_opened();
  m.connection_closed();

  EXPECT_EQ(m.requests_total(), 3u);
  EXPECT_EQ(m.requests_failed(), 1u);
  EXPECT_EQ(m.in_flight(), 0u);

  std::string t = m.render(12.5);
  EXPECT_TRUE(has_line(t, "# TYPE ccproxy_requests_total counter"));
  EXPECT_TRUE(has_line(t, "ccproxy_requests_total{code=\"200\"} 2"));
  EXPECT_TRUE(has_line(t, "ccproxy_requests_total{code=\"429\"} 1"));
  EXPECT_TRUE(has_line(t, "# TYPE ccproxy_request_duration_seconds histogram"));
  // Buckets are cumulative: 0.07 <= 0.1; 0.2 <= 0.25; 3.0 <= 5.
  EXPECT_TRUE(has_line(t, "ccproxy_request_duration_seconds_bucket{le=\"0.050000000000000003\"} 0"))
      << t;
  EXPECT_TRUE(has_line(t, "ccproxy_request_duration_seconds_bucket{le=\"0.10000000000000001\"} 1"));
  EXPECT_TRUE(has_line(t, "ccproxy_request_duration_seconds_bucket{le=\"0.25\"} 2"));
  EXPECT_TRUE(has_line(t, "ccproxy_request_duration_seconds_bucket{le=\"2.5\"} 2"));
  EXPECT_TRUE(has_line(t, "ccproxy_request_duration_seconds_bucket{le=\"5\"} 3"));
  EXPECT_TRUE(has_line(t, "ccproxy_request_duration_seconds_bucket{le=\"+Inf\"} 3"));
  EXPECT_TRUE(has_line(t, "ccproxy_request_duration_seconds_count 3"));
  EXPECT_TRUE(has_line(t, "ccproxy_upstream_errors_total{kind=\"status\"} 2"));
  EXPECT_TRUE(has_line(t, "ccproxy_upstream_errors_total{kind=\"timeout\"} 1"));
  EXPECT_TRUE(has_line(t, "ccproxy_upstream_retries_total 1"));
  EXPECT_TRUE(has_line(t, "ccproxy_tokens_total{direction=\"input\"} 105"));
  EXPECT_TRUE(has_line(t, "ccproxy_tokens_total{direction=\"output\"} 20"));
  EXPECT_TRUE(has_line(t, "ccproxy_open_streams 1"));
  EXPECT_TRUE(has_line(t, "ccproxy_open_connections 1"));
  EXPECT_TRUE(has_line(t, "ccproxy_uptime_seconds 12.5"));
}

TEST(Metrics, LedgerCountsOnlyWhenTheLedgerIsOn) {
  Metrics m;
  std::string off = m.render(1);
  EXPECT_EQ(off.find("ccproxy_ledger"), std::string::npos);
  std::string on = m.render(1, {}, LedgerCounts{.written = 41, .dropped = 2});
  EXPECT_TRUE(has_line(on, "# TYPE ccproxy_ledger_rows_written_total counter"));
  EXPECT_TRUE(has_line(on, "ccproxy_ledger_rows_written_total 41"));
  EXPECT_TRUE(has_line(on, "# TYPE ccproxy_ledger_rows_dropped_total counter"));
  EXPECT_TRUE(has_line(on, "ccproxy_ledger_rows_dropped_total 2"));
}

TEST(Metrics, GaugesNeverGoNegative) {
  Metrics m;
  m.stream_closed();
  m.connection_closed();
  m.request_finished(200, 0.1);
  EXPECT_EQ(m.open_streams(), 0u);
  EXPECT_EQ(m.in_flight(), 0u);
}

TEST(Metrics, PerUpstreamSeries) {
  Metrics m;
  UpstreamStatus a;
  a.name = "requesty";
  a.requests = 7;
  a.failures = 2;
  a.keys_ok = 2;
  UpstreamStatus b;
  b.name = "zai";
  b.state = UpstreamState::cooldown;
  b.cooldown_left_s = 41;
  UpstreamStatus c;
  c.name = "local";
  c.state = UpstreamState::probing;
  std::string t = m.render(1, {a, b, c});
  EXPECT_TRUE(has_line(t, "ccproxy_upstream_state{upstream=\"requesty\"} 0"));
  EXPECT_TRUE(has_line(t, "ccproxy_upstream_state{upstream=\"local\"} 1"));
  EXPECT_TRUE(has_line(t, "ccproxy_upstream_state{upstream=\"zai\"} 2"));
  EXPECT_TRUE(has_line(t, "ccproxy_upstream_cooldown_seconds{upstream=\"zai\"} 41"));
  EXPECT_TRUE(has_line(t, "ccproxy_upstream_keys_ok{upstream=\"requesty\"} 2"));
  EXPECT_TRUE(has_line(t, "ccproxy_upstream_requests_total{upstream=\"requesty\"} 7"));
  EXPECT_TRUE(has_line(t, "ccproxy_upstream_failures_total{upstream=\"requesty\"} 2"));
  EXPECT_EQ(m.render(1).find("ccproxy_upstream_state"), std::string::npos);
}

}  // namespace
}  // namespace ccproxy::worker
