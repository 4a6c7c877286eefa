#include "usage/pricing.h"

namespace ccproxy::usage {

const Price* price_of(const PriceBook& book, const UsageRow& row) {
  auto profile = book.find(row.profile);
  if (profile == book.end()) {
    return nullptr;
  }
  auto model = profile->second.find(row.model);
  return model == profile->second.end() ? nullptr : &model->second;
}

double cost_usd(const Price& price, const UsageRow& row) {
  const double write = price.cache_write.value_or(price.input);
  const double micro = static_cast<double>(row.input_tokens) * price.input +
                       static_cast<double>(row.output_tokens) * price.output +
                       static_cast<double>(row.cache_read_tokens) * price.cache_read +
                       static_cast<double>(row.cache_write_tokens) * write;
  return micro / 1'000'000.0;
}

}  // namespace ccproxy::usage
