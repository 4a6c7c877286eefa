#include "usage/aggregate.h"

#include "temp_dir.h"

namespace ccproxy::usage {
namespace {

using testing::kDay5;
using testing::kDayMs;
using testing::row;

const PriceBook kPrices{{"glm", {{"zai/GLM-4.6", Price{1.0, 2.0, 0.1, std::nullopt}}}}};

TEST(Aggregate, DefaultGroupsByProfileAndModelWithATotal) {
  std::vector<UsageRow> rows = {
      row("glm", "zai/GLM-4.6", kDay5, 1000, 100, 3000, 200, 300),
      row("glm", "zai/GLM-4.6", kDay5 + 1, 2000, 200, 0, 200, 100),
      row("glm", "zai/GLM-4.6", kDay5 + 2, 0, 0, 0, 502, 900),
      row("kimi", "groq/kimi", kDay5 + 3, 10, 20, 0, 499, 50),
  };
  Report r = aggregate(rows, Grouping::profile_model, kPrices);
  ASSERT_EQ(r.rows.size(), 2u);
  const Totals& glm = r.rows[0];
  EXPECT_EQ(glm.profile, "glm");
  EXPECT_EQ(glm.model, "zai/GLM-4.6");
  EXPECT_EQ(glm.requests, 3);
  EXPECT_EQ(glm.errors, 1);
  EXPECT_EQ(glm.input_tokens, 3000);
  EXPECT_EQ(glm.output_tokens, 300);
  EXPECT_EQ(glm.cache_read_tokens, 3000);
  EXPECT_DOUBLE_EQ(*glm.cache_hit_rate, 0.5);
  // 3000 in * $1 + 300 out * $2 + 3000 cache reads * $0.1, per million.
  EXPECT_NEAR(*glm.cost_usd, (3000 * 1.0 + 300 * 2.0 + 3000 * 0.1) / 1e6, 1e-15);
  EXPECT_EQ(*glm.p50_latency_ms, 300);  // of 100, 300, 900

  const Totals& kimi = r.rows[1];
  EXPECT_EQ(kimi.profile, "kimi");
  EXPECT_EQ(kimi.errors, 1);                // 499: the client left
  EXPECT_FALSE(kimi.cost_usd.has_value());  // no price: no cost, never a guess
  EXPECT_EQ(kimi.unpriced_requests, 1);

  EXPECT_EQ(r.total.requests, 4);
  EXPECT_EQ(r.total.errors, 2);
  EXPECT_EQ(r.total.input_tokens, 3010);
  EXPECT_EQ(r.total.output_tokens, 320);
  EXPECT_FALSE(r.total.cost_usd.has_value());
  EXPECT_EQ(r.total.p50_latency_ms, 100);  // of 50, 100, 300, 900: nearest rank
  EXPECT_TRUE(r.total.profile.empty());
}

TEST(Aggregate, RequestsWithoutTokensNeedNoPrice) {
  Report r = aggregate({row("kimi", "groq/kimi", kDay5, 0, 0, 0, 502)}, Grouping::profile, {});
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_DOUBLE_EQ(r.rows[0].cost_usd.value_or(-1), 0.0);
  EXPECT_FALSE(r.rows[0].cache_hit_rate.has_value());
}

TEST(Aggregate, ByModelMergesProfiles) {
  Report r = aggregate(
      {row("a", "m1", kDay5, 1, 1), row("b", "m1", kDay5, 2, 2), row("b", "m2", kDay5, 3, 3)},
      Grouping::model, {});
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].model, "m1");
  EXPECT_EQ(r.rows[0].requests, 2);
  EXPECT_TRUE(r.rows[0].profile.empty());
  EXPECT_EQ(r.rows[1].input_tokens, 3);
}

TEST(Aggregate, ByDayIsChronologicalInLocalDays) {
  Report r = aggregate({row("a", "m", kDay5 - kDayMs + 5, 1, 1), row("a", "m", kDay5 + 5, 2, 2),
                        row("a", "m", kDay5 + kDayMs - 1, 4, 4)},
                       Grouping::day, {});
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].day, "2026-12-04");
  EXPECT_EQ(r.rows[1].day, "2026-12-05");
  EXPECT_EQ(r.rows[1].input_tokens, 6);
}

TEST(Aggregate, BySessionInOrderOfFirstRequest) {
  Report r =
      aggregate({row("a", "m", 1, 1, 1, 0, 200, 1, "zzz"), row("a", "m", 2, 1, 1, 0, 200, 1, "aaa"),
                 row("a", "m", 3, 1, 1, 0, 200, 1, ""), row("a", "m", 4, 1, 1, 0, 200, 1, "zzz")},
                Grouping::session, {});
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].session, "zzz");
  EXPECT_EQ(r.rows[0].requests, 2);
  EXPECT_EQ(r.rows[1].session, "aaa");
  EXPECT_EQ(r.rows[2].session, "");
}

TEST(Aggregate, EmptyLedger) {
  Report r = aggregate({}, Grouping::profile_model, kPrices);
  EXPECT_TRUE(r.rows.empty());
  EXPECT_EQ(r.total.requests, 0);
  EXPECT_DOUBLE_EQ(r.total.cost_usd.value_or(-1), 0.0);
  EXPECT_FALSE(r.total.p50_latency_ms.has_value());
}

TEST(Aggregate, MedianIsNearestRank) {
  std::vector<std::int64_t> one{7};
  std::vector<std::int64_t> even{4, 1, 3, 2};
  std::vector<std::int64_t> none;
  EXPECT_EQ(median(one), 7);
  EXPECT_EQ(median(even), 2);
  EXPECT_FALSE(median(none).has_value());
  EXPECT_EQ(grouping_named("day"), Grouping::day);
  EXPECT_FALSE(grouping_named("week").has_value());
}

}  // namespace
}  // namespace ccproxy::usage
