#pragma once
// Ledger rows summed into report lines: requests, errors, tokens, cache hit rate, cost and
// median latency, by profile and model (the default), profile, model, day or session.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usage/pricing.h"
#include "usage/usage_row.h"

namespace ccproxy::usage {

enum class Grouping { profile_model, profile, model, day, session };

/// "profile", "model", "day", "session"; nullopt for anything else.
std::optional<Grouping> grouping_named(std::string_view name);

struct Totals {
  // The group's key: the fields its grouping uses are set, the others are empty.
  std::string profile;
  std::string model;
  std::string day;      // local YYYY-MM-DD
  std::string session;  // "" for requests without a session id
  std::int64_t requests = 0;
  std::int64_t errors = 0;  // HTTP status 400 and above (499: the client left)
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cache_read_tokens = 0;
  std::int64_t cache_write_tokens = 0;
  /// cache reads / all input (uncached + cache reads + cache writes); null without input.
  std::optional<double> cache_hit_rate;
  /// Null when some request with tokens has no price; requests without tokens cost nothing.
  std::optional<double> cost_usd;
  std::int64_t unpriced_requests = 0;
  std::optional<std::int64_t> p50_latency_ms;  // nearest-rank median; null without requests
  std::optional<std::int64_t> p50_ttfb_ms;     // of the requests that sent a byte
};

struct Report {
  std::vector<Totals> rows;  // day: oldest first; session: by first request; else by key
  Totals total;
};

/// Sums rows as they come, in any order: memory grows with the groups and 16 bytes per row (its
/// latency and time to first byte, kept for the medians of its group and of the total).
class Aggregator {
 public:
  /// `prices` is kept by reference: it must outlive the aggregator.
  Aggregator(Grouping by, const PriceBook& prices);
  ~Aggregator();
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  void add(const UsageRow& row);
  /// The report of the rows added so far; the aggregator is empty afterwards.
  Report finish();

 private:
  struct Groups;
  Grouping by_;
  const PriceBook& prices_;
  std::unique_ptr<Groups> groups_;
};

Report aggregate(const std::vector<UsageRow>& rows, Grouping by, const PriceBook& prices);

/// The nearest-rank median of `values` (reordered); null when empty.
std::optional<std::int64_t> median(std::vector<std::int32_t>& values);

}  // namespace ccproxy::usage
