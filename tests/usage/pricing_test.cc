#include "usage/pricing.h"

#include "temp_dir.h"

namespace ccproxy::usage {
namespace {

using testing::row;

TEST(Pricing, CostIsPerMillionTokensOfEachKind) {
  Price p{0.60, 2.20, 0.11, std::nullopt};
  UsageRow r = row("glm", "zai/GLM-4.6", 0, 1'000'000, 500'000, 2'000'000);
  EXPECT_NEAR(cost_usd(p, r), 0.60 + 1.10 + 0.22, 1e-12);
}

TEST(Pricing, CacheWritesCostTheirPriceOrElseTheInputPrice) {
  UsageRow r = row("glm", "m", 0, 0, 0);
  r.cache_write_tokens = 1'000'000;
  EXPECT_NEAR(cost_usd(Price{3, 15, 0.3, 3.75}, r), 3.75, 1e-12);
  EXPECT_NEAR(cost_usd(Price{3, 15, 0.3, std::nullopt}, r), 3.0, 1e-12);
}

TEST(Pricing, PricesAreLookedUpByProfileAndExactModel) {
  PriceBook book{{"glm", {{"zai/GLM-4.6", Price{1, 2, 0.1, std::nullopt}}}}};
  EXPECT_NE(price_of(book, row("glm", "zai/GLM-4.6", 0, 1, 1)), nullptr);
  EXPECT_EQ(price_of(book, row("glm", "zai/glm-4.6", 0, 1, 1)), nullptr);
  EXPECT_EQ(price_of(book, row("kimi", "zai/GLM-4.6", 0, 1, 1)), nullptr);
}

}  // namespace
}  // namespace ccproxy::usage
