#pragma once
// Prices of provider models ([pricing] in a profile), USD per million tokens, and the cost of
// a request. A model without a price has no cost (nullopt), never a guessed one.

#include <map>
#include <optional>
#include <string>

#include "usage/usage_row.h"

namespace ccproxy::usage {

struct Price {
  double input = 0;  // uncached input
  double output = 0;
  double cache_read = 0;  // input read from the provider's cache
  /// Input written to the cache; when absent such tokens cost the input price (what providers
  /// without a separate cache-write price bill).
  std::optional<double> cache_write;
};

/// One profile's prices by provider model (exact names).
using PriceTable = std::map<std::string, Price>;
/// Every profile's table, by profile name.
using PriceBook = std::map<std::string, PriceTable>;

/// The price of `row`'s model in its profile's table; null when there is none.
const Price* price_of(const PriceBook& book, const UsageRow& row);

/// The cost of one request in USD.
double cost_usd(const Price& price, const UsageRow& row);

}  // namespace ccproxy::usage
