#include "usage/aggregate.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "usage/time_range.h"

namespace ccproxy::usage {
namespace {

/// One group while it is being summed.
struct Sum {
  Totals totals;
  double priced_cost = 0;
  std::vector<std::int64_t> latencies;
  std::vector<std::int64_t> ttfbs;
  std::int64_t first_ms = 0;
};

std::int64_t tokens_of(const UsageRow& r) {
  return r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens;
}

void add(Sum& s, const UsageRow& r, const PriceBook& prices) {
  Totals& t = s.totals;
  if (t.requests == 0) {
    s.first_ms = r.time_ms;
  }
  ++t.requests;
  t.errors += r.status >= 400 ? 1 : 0;
  t.input_tokens += r.input_tokens;
  t.output_tokens += r.output_tokens;
  t.cache_read_tokens += r.cache_read_tokens;
  t.cache_write_tokens += r.cache_write_tokens;
  if (const Price* price = price_of(prices, r)) {
    s.priced_cost += cost_usd(*price, r);
  } else if (tokens_of(r) > 0) {
    ++t.unpriced_requests;
  }
  s.latencies.push_back(r.latency_ms);
  if (r.ttfb_ms >= 0) {
    s.ttfbs.push_back(r.ttfb_ms);
  }
}

Totals finish(Sum& s) {
  Totals t = std::move(s.totals);
  const std::int64_t all_input = t.input_tokens + t.cache_read_tokens + t.cache_write_tokens;
  if (all_input > 0) {
    t.cache_hit_rate = static_cast<double>(t.cache_read_tokens) / static_cast<double>(all_input);
  }
  if (t.unpriced_requests == 0) {
    t.cost_usd = s.priced_cost;
  }
  t.p50_latency_ms = median(s.latencies);
  t.p50_ttfb_ms = median(s.ttfbs);
  return t;
}

Totals key_of(const UsageRow& r, Grouping by) {
  Totals k;
  switch (by) {
    case Grouping::profile_model:
      k.profile = r.profile;
      k.model = r.model;
      break;
    case Grouping::profile:
      k.profile = r.profile;
      break;
    case Grouping::model:
      k.model = r.model;
      break;
    case Grouping::day:
      k.day = local_day(r.time_ms);
      break;
    case Grouping::session:
      k.session = r.session;
      break;
  }
  return k;
}

}  // namespace

std::optional<Grouping> grouping_named(std::string_view name) {
  if (name == "profile") {
    return Grouping::profile;
  }
  if (name == "model") {
    return Grouping::model;
  }
  if (name == "day") {
    return Grouping::day;
  }
  if (name == "session") {
    return Grouping::session;
  }
  return std::nullopt;
}

std::optional<std::int64_t> median(std::vector<std::int64_t>& values) {
  if (values.empty()) {
    return std::nullopt;
  }
  const std::size_t rank = (values.size() + 1) / 2 - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank),
                   values.end());
  return values[rank];
}

Report aggregate(const std::vector<UsageRow>& rows, Grouping by, const PriceBook& prices) {
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<Key, Sum> groups;
  Sum total;
  for (const UsageRow& r : rows) {
    Totals k = key_of(r, by);
    Key key{k.profile, k.model, k.day, k.session};
    auto [it, fresh] = groups.try_emplace(std::move(key));
    if (fresh) {
      it->second.totals = std::move(k);
    }
    add(it->second, r, prices);
    add(total, r, prices);
  }
  std::vector<std::pair<std::int64_t, Totals>> ordered;
  ordered.reserve(groups.size());
  for (auto& [key, sum] : groups) {
    const std::int64_t first = sum.first_ms;
    ordered.emplace_back(first, finish(sum));
  }
  if (by == Grouping::session) {
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  Report report;
  for (auto& [first, totals] : ordered) {
    report.rows.push_back(std::move(totals));
  }
  report.total = finish(total);
  return report;
}

}  // namespace ccproxy::usage
