#pragma once
// [pricing] of a profile (or of [defaults]): USD per million tokens by provider model,
//   "zai/GLM-4.6" = { input = 0.60, output = 2.20, cache_read = 0.11, cache_write = 0.75 }
// input, output and cache_read are required, cache_write optional.

#include "config/table_reader.h"
#include "usage/pricing.h"

namespace ccproxy::config {

/// Reads root's [pricing] into `out`; every problem is recorded in the reader's context.
void read_pricing(TableReader& root, usage::PriceTable& out);

}  // namespace ccproxy::config
