#include "worker/metrics.h"

#include <cstdio>

namespace ccproxy::worker {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

using Counters = std::map<std::string, uint64_t, std::less<>>;

void count(Counters& counters, std::string_view key) {
  auto it = counters.find(key);
  if (it == counters.end()) {
    counters.emplace(std::string(key), 1);
  } else {
    ++it->second;
  }
}

void render_counters(std::string& out, std::string_view name, std::string_view label,
                     const Counters& counters) {
  for (const auto& [key, n] : counters) {
    out.append(name).append("{").append(label).append("=\"").append(key).append("\"} ");
    out.append(std::to_string(n)).append("\n");
  }
}

/// A label value as Prometheus reads it: backslash, quote and line feed escaped.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

/// 0 ok, 1 probing, 2 cooldown.
int state_value(UpstreamState s) {
  return s == UpstreamState::ok ? 0 : s == UpstreamState::probing ? 1 : 2;
}

void render_upstreams(std::string& out, const std::vector<UpstreamStatus>& upstreams) {
  header(out, "ccproxy_upstream_state", "gauge",
         "Each upstream of the pool: 0 ok, 1 probing (its cooldown is over, the next request "
         "tests it), 2 cooldown.");
  for (const auto& u : upstreams) {
    out += "ccproxy_upstream_state{upstream=\"" + label(u.name) + "\"} " +
           std::to_string(state_value(u.state)) + "\n";
  }
  header(out, "ccproxy_upstream_cooldown_seconds", "gauge",
         "Seconds until a cooling upstream is tried again.");
  for (const auto& u : upstreams) {
    out += "ccproxy_upstream_cooldown_seconds{upstream=\"" + label(u.name) + "\"} " +
           number(u.cooldown_left_s) + "\n";
  }
  header(out, "ccproxy_upstream_keys_ok", "gauge", "Keys of each upstream that are not cooling.");
  for (const auto& u : upstreams) {
    out += "ccproxy_upstream_keys_ok{upstream=\"" + label(u.name) + "\"} " +
           std::to_string(u.keys_ok) + "\n";
  }
  header(out, "ccproxy_upstream_requests_total", "counter", "Attempts sent to each upstream.");
  for (const auto& u : upstreams) {
    out += "ccproxy_upstream_requests_total{upstream=\"" + label(u.name) + "\"} " +
           std::to_string(u.requests) + "\n";
  }
  header(out, "ccproxy_upstream_failures_total", "counter",
         "Failed attempts of each upstream (and its streams broken after they started).");
  for (const auto& u : upstreams) {
    out += "ccproxy_upstream_failures_total{upstream=\"" + label(u.name) + "\"} " +
           std::to_string(u.failures) + "\n";
  }
}

}  // namespace

void Metrics::request_finished(int status, double seconds) {
  if (in_flight_ > 0) {
    --in_flight_;
  }
  ++requests_total_;
  if (status >= 400) {
    ++requests_failed_;
  }
  ++by_status_[status];
  ++latency_count_;
  latency_sum_ += seconds;
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      ++bucket_counts_[i];
      break;
    }
  }
}

void Metrics::upstream_error(std::string_view kind) {
  count(upstream_errors_, kind);
}

void Metrics::routed(std::string_view rule) {
  count(routes_, rule);
}

void Metrics::tokens(int64_t input, int64_t output) {
  input_tokens_ += input > 0 ? static_cast<uint64_t>(input) : 0;
  output_tokens_ += output > 0 ? static_cast<uint64_t>(output) : 0;
}

std::string Metrics::render(double uptime_seconds, const std::vector<UpstreamStatus>& upstreams,
                            std::optional<LedgerCounts> ledger) const {
  std::string out;
  out.reserve(2048);
  header(out, "ccproxy_requests_total", "counter", "Requests answered, by HTTP status.");
  for (const auto& [status, count] : by_status_) {
    out += "ccproxy_requests_total{code=\"" + std::to_string(status) + "\"} " +
           std::to_string(count) + "\n";
  }
  header(out, "ccproxy_route_requests_total", "counter",
         "Requests by the routing rule that chose their model (client, vision, long, think, "
         "big, middle, small).");
  render_counters(out, "ccproxy_route_requests_total", "rule", routes_);
  header(out, "ccproxy_requests_in_flight", "gauge", "Requests being served now.");
  out += "ccproxy_requests_in_flight " + std::to_string(in_flight_) + "\n";

  header(out, "ccproxy_request_duration_seconds", "histogram",
         "Time from the request's arrival to its last response byte.");
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    cumulative += bucket_counts_[i];
    out += "ccproxy_request_duration_seconds_bucket{le=\"" + number(kLatencyBuckets[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += "ccproxy_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(latency_count_) +
         "\n";
  out += "ccproxy_request_duration_seconds_sum " + number(latency_sum_) + "\n";
  out += "ccproxy_request_duration_seconds_count " + std::to_string(latency_count_) + "\n";

  header(out, "ccproxy_upstream_errors_total", "counter",
         "Failed upstream attempts, by kind (connect, tls, proxy, timeout, closed, protocol, "
         "status).");
  render_counters(out, "ccproxy_upstream_errors_total", "kind", upstream_errors_);
  header(out, "ccproxy_upstream_retries_total", "counter", "Upstream attempts that were retried.");
  out += "ccproxy_upstream_retries_total " + std::to_string(retries_) + "\n";

  if (!upstreams.empty()) {
    render_upstreams(out, upstreams);
  }
  header(out, "ccproxy_tokens_total", "counter", "Tokens reported by the upstream.");
  out += "ccproxy_tokens_total{direction=\"input\"} " + std::to_string(input_tokens_) + "\n";
  out += "ccproxy_tokens_total{direction=\"output\"} " + std::to_string(output_tokens_) + "\n";

  if (ledger) {
    header(out, "ccproxy_ledger_rows_written_total", "counter",
           "Usage rows written to the ledger (usage.db).");
    out += "ccproxy_ledger_rows_written_total " + std::to_string(ledger->written) + "\n";
    header(out, "ccproxy_ledger_rows_dropped_total", "counter",
           "Usage rows lost: a full disk, a database locked too long, or a full queue.");
    out += "ccproxy_ledger_rows_dropped_total " + std::to_string(ledger->dropped) + "\n";
  }
  header(out, "ccproxy_open_streams", "gauge", "SSE responses being streamed now.");
  out += "ccproxy_open_streams " + std::to_string(open_streams_) + "\n";
  header(out, "ccproxy_open_connections", "gauge", "Client connections open now.");
  out += "ccproxy_open_connections " + std::to_string(open_connections_) + "\n";
  header(out, "ccproxy_uptime_seconds", "gauge", "Seconds since the worker started.");
  out += "ccproxy_uptime_seconds " + number(uptime_seconds) + "\n";
  return out;
}

}  // namespace ccproxy::worker
