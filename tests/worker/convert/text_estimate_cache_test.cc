#include "worker/convert/text_estimate_cache.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "worker/convert/count_tokens.h"
#include "worker/convert/token_estimate.h"

namespace ccproxy::convert {
namespace {

std::string text_of(int seed, std::size_t size) {
  std::string text;
  unsigned x = unsigned(seed) * 2654435761u + 1;
  static constexpr char kAlphabet[] = "abcdefghij klmnop\nqrstu 0123456789 {}\":,.\xe4\xb8\xad";
  while (text.size() < size) {
    x = x * 1103515245u + 12345u;
    text += kAlphabet[(x >> 16) % (sizeof(kAlphabet) - 1)];
  }
  return text;
}

TEST(TextEstimateCache, ASecondLookupIsAHitWithTheSameEstimate) {
  TextEstimateCache cache;
  const std::string text = text_of(1, 4000);
  const double direct = estimate_text_tokens(text);
  EXPECT_EQ(cache.tokens(text), direct);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 0u);
  const std::string copy = text;  // other storage, same bytes
  EXPECT_EQ(cache.tokens(copy), direct);
  EXPECT_EQ(cache.hits(), 1u);
}

TEST(TextEstimateCache, OneChangedByteIsAnotherText) {
  TextEstimateCache cache;
  std::string text(2000, 'a');
  cache.tokens(text);
  text[1000] = ' ';  // one word becomes two
  EXPECT_EQ(cache.tokens(text), estimate_text_tokens(text));
  EXPECT_EQ(cache.misses(), 2u);
  EXPECT_EQ(cache.hits(), 0u);
}

TEST(TextEstimateCache, ShortTextsAreEstimatedWithoutTheCache) {
  TextEstimateCache cache;
  const std::string text = text_of(2, TextEstimateCache::kMinBytes - 1);
  EXPECT_EQ(cache.tokens(text), estimate_text_tokens(text));
  EXPECT_EQ(cache.tokens(text), estimate_text_tokens(text));
  EXPECT_EQ(cache.hits() + cache.misses(), 0u);
}

TEST(TextEstimateCache, MoreTextsThanSlotsStillGiveExactEstimates) {
  // Slots are overwritten when texts collide on one: every answer stays the text's own.
  TextEstimateCache cache;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < int(TextEstimateCache::kSlots) + 500; i += 7) {
      const std::string text = text_of(i, 130 + std::size_t(i % 300));
      ASSERT_EQ(cache.tokens(text), estimate_text_tokens(text)) << i;
    }
  }
  EXPECT_GT(cache.hits(), 0u);
}

TEST(TextEstimateCache, CountTokensGivesTheSameEstimateWarmAsCold) {
  std::ifstream in(CCPROXY_FIXTURE, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string body = ss.str();
  ASSERT_FALSE(body.empty());
  TextEstimateCache& cache = thread_text_estimate_cache();
  const auto hits_before = cache.hits();
  const auto cold = count_tokens(body);
  const auto warm = count_tokens(body);
  ASSERT_TRUE(cold.ok());
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(*cold, *warm);
  EXPECT_GT(cache.hits(), hits_before);  // the fixture's system prompt and tool texts
}

}  // namespace
}  // namespace ccproxy::convert
