#include "usage/aggregate.h"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <tuple>

#include "usage/time_range.h"

namespace ccproxy::usage {
namespace {

std::int32_t clamp_ms(std::int64_t ms) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(ms, 0, INT32_MAX));
}

std::int64_t tokens_of(const UsageRow& r) {
  return r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens;
}

/// One group while it is being summed.
struct Sum {
  Totals totals;
  double priced_cost = 0;
  std::vector<std::int32_t> latencies;
  std::vector<std::int32_t> ttfbs;
  std::int64_t first_ms = INT64_MAX;
};

void add(Sum& s, const UsageRow& r, const Price* price) {
  Totals& t = s.totals;
  s.first_ms = std::min(s.first_ms, r.time_ms);
  ++t.requests;
  t.errors += r.status >= 400 ? 1 : 0;
  t.input_tokens += r.input_tokens;
  t.output_tokens += r.output_tokens;
  t.cache_read_tokens += r.cache_read_tokens;
  t.cache_write_tokens += r.cache_write_tokens;
  if (price != nullptr) {
    s.priced_cost += cost_usd(*price, r);
  } else if (tokens_of(r) > 0) {
    ++t.unpriced_requests;
  }
  s.latencies.push_back(clamp_ms(r.latency_ms));
  if (r.ttfb_ms >= 0) {
    s.ttfbs.push_back(clamp_ms(r.ttfb_ms));
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

/// A group's key: profile, model, day and session; the fields its grouping does not use are
/// empty.
using KeyFields = std::array<std::string_view, 4>;

/// `r`'s group key under `by` (`day` is r's local day).
KeyFields key_of(const UsageRow& r, Grouping by, std::string_view day) {
  constexpr std::string_view none;
  switch (by) {
    case Grouping::profile_model:
      return {r.profile, r.model, none, none};
    case Grouping::profile:
      return {r.profile, none, none, none};
    case Grouping::model:
      return {none, r.model, none, none};
    case Grouping::day:
      return {none, none, day, none};
    case Grouping::session:
      return {none, none, none, r.session};
  }
  return {};
}

KeyFields key_of(const Totals& t) {
  return {t.profile, t.model, t.day, t.session};
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

std::optional<std::int64_t> median(std::vector<std::int32_t>& values) {
  if (values.empty()) {
    return std::nullopt;
  }
  const std::size_t rank = (values.size() + 1) / 2 - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank),
                   values.end());
  return values[rank];
}

struct Aggregator::Groups {
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<Key, Sum> by_key;
  Sum* last = nullptr;  // rows come in runs of one group: the last one is checked first
  Sum total;
  // The local day of the last row's time, [day_start, day_end) in Unix ms.
  std::int64_t day_start = 0;
  std::int64_t day_end = 0;
  std::string day;
};

Aggregator::Aggregator(Grouping by, const PriceBook& prices)
    : by_(by), prices_(prices), groups_(std::make_unique<Groups>()) {}

Aggregator::~Aggregator() = default;

void Aggregator::add(const UsageRow& r) {
  Groups& g = *groups_;
  if (by_ == Grouping::day && (r.time_ms < g.day_start || r.time_ms >= g.day_end)) {
    constexpr std::int64_t kHourMs = 3'600'000;
    g.day_start = start_of_local_day(r.time_ms);
    g.day_end = start_of_local_day(g.day_start + 25 * kHourMs);  // days of 23, 24 or 25 hours
    g.day = local_day(r.time_ms);
  }
  const KeyFields key = key_of(r, by_, g.day);
  if (g.last == nullptr || key_of(g.last->totals) != key) {
    auto [it, fresh] = g.by_key.try_emplace(Groups::Key{std::string(key[0]), std::string(key[1]),
                                                        std::string(key[2]), std::string(key[3])});
    if (fresh) {
      Totals& t = it->second.totals;
      std::tie(t.profile, t.model, t.day, t.session) = it->first;
    }
    g.last = &it->second;
  }
  const Price* price = price_of(prices_, r);
  usage::add(*g.last, r, price);
  usage::add(g.total, r, price);
}

Report Aggregator::finish() {
  Groups g = std::move(*groups_);
  *groups_ = Groups{};
  std::vector<std::pair<std::int64_t, Totals>> ordered;
  ordered.reserve(g.by_key.size());
  for (auto& [key, sum] : g.by_key) {
    const std::int64_t first = sum.first_ms;
    ordered.emplace_back(first, usage::finish(sum));
  }
  if (by_ == Grouping::session) {
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  Report report;
  for (auto& [first, totals] : ordered) {
    report.rows.push_back(std::move(totals));
  }
  report.total = usage::finish(g.total);
  return report;
}

Report aggregate(const std::vector<UsageRow>& rows, Grouping by, const PriceBook& prices) {
  Aggregator a(by, prices);
  for (const UsageRow& r : rows) {
    a.add(r);
  }
  return a.finish();
}

}  // namespace ccproxy::usage
