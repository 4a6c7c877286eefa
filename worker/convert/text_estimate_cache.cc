#include "worker/convert/text_estimate_cache.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "worker/convert/token_estimate.h"

namespace ccproxy::convert {

double TextEstimateCache::tokens(std::string_view text) {
  if (text.size() < kMinBytes) {
    return estimate_text_tokens(text);
  }
  if (!slots_) {
    slots_ = std::make_unique<Slot[]>(kSlots);
  }
  const std::uint64_t hash = XXH3_64bits(text.data(), text.size());
  Slot& slot = slots_[hash & (kSlots - 1)];
  if (slot.tokens >= 0 && slot.hash == hash) {
    ++hits_;
    return slot.tokens;
  }
  ++misses_;
  slot.hash = hash;
  slot.tokens = estimate_text_tokens(text);
  return slot.tokens;
}

TextEstimateCache& thread_text_estimate_cache() {
  thread_local TextEstimateCache cache;
  return cache;
}

double cached_text_tokens(std::string_view text) {
  return thread_text_estimate_cache().tokens(text);
}

}  // namespace ccproxy::convert
