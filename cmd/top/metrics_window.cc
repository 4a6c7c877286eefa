#include "cmd/top/metrics_window.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace ccproxy::cmd::top {
namespace {

// The value of label `name` in "{a="1",b="2"}", or "".
std::string label(std::string_view labels, std::string_view name) {
  std::string key = std::string(name) + "=\"";
  auto at = labels.find(key);
  if (at == std::string_view::npos) {
    return "";
  }
  at += key.size();
  auto end = labels.find('"', at);
  return std::string(labels.substr(at, end == std::string_view::npos ? 0 : end - at));
}

double number(std::string_view text) {
  std::string s(text);
  if (s == "+Inf") {
    return std::numeric_limits<double>::infinity();
  }
  return std::strtod(s.c_str(), nullptr);
}

}  // namespace

std::optional<MetricsSample> parse_metrics(std::string_view text) {
  MetricsSample s;
  bool seen_requests = false;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty() || line.front() == '#') {
      if (line.starts_with("# TYPE ccproxy_requests_total")) {
        seen_requests = true;
      }
      continue;
    }
    auto space = line.rfind(' ');
    if (space == std::string_view::npos) {
      continue;
    }
    std::string_view key = line.substr(0, space);
    double value = number(line.substr(space + 1));
    auto brace = key.find('{');
    std::string_view name = key.substr(0, brace);
    std::string_view labels = brace == std::string_view::npos ? "" : key.substr(brace);
    if (name == "ccproxy_requests_total") {
      seen_requests = true;
      s.requests += value;
      if (std::atoi(label(labels, "code").c_str()) >= 400) {
        s.failed += value;
      }
    } else if (name == "ccproxy_tokens_total") {
      s.tokens += value;
    } else if (name == "ccproxy_open_streams") {
      s.open_streams = value;
    } else if (name == "ccproxy_requests_in_flight") {
      s.in_flight = value;
    } else if (name == "ccproxy_request_duration_seconds_bucket") {
      s.buckets.emplace_back(number(label(labels, "le")), value);
    }
  }
  if (!seen_requests) {
    return std::nullopt;
  }
  return s;
}

std::optional<double> histogram_quantile(double q,
                                         const std::vector<std::pair<double, double>>& earlier,
                                         const std::vector<std::pair<double, double>>& later) {
  if (later.empty() || (!earlier.empty() && earlier.size() != later.size())) {
    return std::nullopt;
  }
  auto count = [&](std::size_t i) {
    return later[i].second - (earlier.empty() ? 0.0 : earlier[i].second);
  };
  double total = count(later.size() - 1);
  if (total <= 0) {
    return std::nullopt;
  }
  double rank = q * total;
  double lower = 0;
  double below = 0;
  for (std::size_t i = 0; i < later.size(); ++i) {
    double upper = later[i].first;
    double cumulative = count(i);
    if (cumulative >= rank && cumulative > below) {
      if (std::isinf(upper)) {
        return lower;  // past the last finite bound
      }
      return lower + (upper - lower) * (rank - below) / (cumulative - below);
    }
    if (!std::isinf(upper)) {
      lower = upper;
    }
    below = cumulative;
  }
  return lower;
}

void MetricsWindow::add(Clock::time_point at, const MetricsSample& sample) {
  if (!samples_.empty()) {
    const MetricsSample& last = samples_.back().second;
    if (sample.requests < last.requests || sample.tokens < last.tokens ||
        sample.buckets.size() != last.buckets.size()) {
      samples_.clear();
    }
  }
  samples_.emplace_back(at, sample);
  // Keep the newest sample at least `span_` old as the baseline of the window.
  while (samples_.size() > 2 && samples_[1].first <= at - span_) {
    samples_.pop_front();
  }
}

WindowStats MetricsWindow::stats() const {
  WindowStats out;
  if (samples_.size() < 2) {
    return out;
  }
  const auto& [now_t, now] = samples_.back();
  const auto& [first_t, first] = samples_.front();
  // The rate's baseline: the newest sample at least rate_span_ old, else the oldest.
  const std::pair<Clock::time_point, MetricsSample>* base = &samples_.front();
  for (const auto& s : samples_) {
    if (s.first <= now_t - rate_span_) {
      base = &s;
    }
  }
  double rate_dt = std::chrono::duration<double>(now_t - base->first).count();
  if (rate_dt > 0) {
    out.requests_per_s = (now.requests - base->second.requests) / rate_dt;
  }
  double dt = std::chrono::duration<double>(now_t - first_t).count();
  if (dt > 0) {
    out.tokens_per_min = (now.tokens - first.tokens) * 60.0 / dt;
  }
  out.failed = now.failed - first.failed;
  out.p50_s = histogram_quantile(0.5, first.buckets, now.buckets);
  out.p99_s = histogram_quantile(0.99, first.buckets, now.buckets);
  return out;
}

}  // namespace ccproxy::cmd::top
