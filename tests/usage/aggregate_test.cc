#include "usage/aggregate.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

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

/// Sets TZ for one test (a POSIX rule, so no tzdata is needed) and puts the previous one back.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* tz) {
    if (const char* was = std::getenv("TZ")) {
      previous_ = was;
    }
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTimeZone() {
    if (previous_) {
      ::setenv("TZ", previous_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

 private:
  std::optional<std::string> previous_;
};

TEST(Aggregate, ByDayFollowsLocalDaysOf23And25Hours) {
  ScopedTimeZone berlin("CET-1CEST,M3.5.0,M10.5.0/3");
  // 2026-10-25 has 25 hours: 00:30 CEST, 23:30 CET, then 00:30 CET the next day.
  Report autumn =
      aggregate({row("a", "m", 1'792'881'000'000, 1, 0), row("a", "m", 1'792'967'400'000, 2, 0),
                 row("a", "m", 1'792'971'000'000, 4, 0)},
                Grouping::day, {});
  ASSERT_EQ(autumn.rows.size(), 2u);
  EXPECT_EQ(autumn.rows[0].day, "2026-10-25");
  EXPECT_EQ(autumn.rows[0].input_tokens, 3);
  EXPECT_EQ(autumn.rows[1].day, "2026-10-26");
  // 2026-03-29 has 23 hours: 00:30 CET, 23:30 CEST, then 00:10 CEST the next day.
  Report spring =
      aggregate({row("a", "m", 1'774'740'600'000, 1, 0), row("a", "m", 1'774'819'800'000, 2, 0),
                 row("a", "m", 1'774'822'200'000, 4, 0)},
                Grouping::day, {});
  ASSERT_EQ(spring.rows.size(), 2u);
  EXPECT_EQ(spring.rows[0].day, "2026-03-29");
  EXPECT_EQ(spring.rows[0].input_tokens, 3);
  EXPECT_EQ(spring.rows[1].day, "2026-03-30");
}

TEST(Aggregate, RowsInAnyOrderGiveTheSameReport) {
  // Rows come in the order they were written: a long stream's row after later ones.
  std::vector<UsageRow> rows;
  for (int i = 0; i < 60; ++i) {
    rows.push_back(row(i % 3 == 0 ? "a" : "b", i % 2 ? "m1" : "m2", kDay5 - kDayMs + i * 3'600'000,
                       i, 2 * i, 0, i % 7 == 0 ? 502 : 200, 10 * i + 1,
                       "s" + std::to_string(i % 4)));
    rows.back().ttfb_ms = i % 5 == 0 ? -1 : 3 * i;
  }
  // Priced but for b's m2: some groups have a cost, some none.
  const PriceBook prices{
      {"a",
       {{"m1", Price{1.0, 2.0, 0.1, std::nullopt}}, {"m2", Price{0.5, 1.5, 0.05, std::nullopt}}}},
      {"b", {{"m1", Price{3.0, 4.0, 0.3, std::nullopt}}}}};
  std::vector<UsageRow> shuffled = rows;
  std::reverse(shuffled.begin(), shuffled.end());
  std::rotate(shuffled.begin(), shuffled.begin() + 17, shuffled.end());
  for (Grouping by : {Grouping::profile_model, Grouping::profile, Grouping::model, Grouping::day,
                      Grouping::session}) {
    Report a = aggregate(rows, by, prices);
    Aggregator streamed(by, prices);
    for (const UsageRow& r : shuffled) {
      streamed.add(r);
    }
    Report b = streamed.finish();
    ASSERT_EQ(a.rows.size(), b.rows.size());
    for (std::size_t i = 0; i < a.rows.size(); ++i) {
      EXPECT_EQ(a.rows[i].profile, b.rows[i].profile);
      EXPECT_EQ(a.rows[i].model, b.rows[i].model);
      EXPECT_EQ(a.rows[i].day, b.rows[i].day);
      EXPECT_EQ(a.rows[i].session, b.rows[i].session);
      EXPECT_EQ(a.rows[i].requests, b.rows[i].requests);
      EXPECT_EQ(a.rows[i].errors, b.rows[i].errors);
      EXPECT_EQ(a.rows[i].input_tokens, b.rows[i].input_tokens);
      EXPECT_EQ(a.rows[i].p50_latency_ms, b.rows[i].p50_latency_ms);
      EXPECT_EQ(a.rows[i].p50_ttfb_ms, b.rows[i].p50_ttfb_ms);
      ASSERT_EQ(a.rows[i].cost_usd.has_value(), b.rows[i].cost_usd.has_value());
      if (a.rows[i].cost_usd) {
        EXPECT_NEAR(*a.rows[i].cost_usd, *b.rows[i].cost_usd, 1e-12);
      }
    }
    EXPECT_EQ(a.total.requests, 60);
    EXPECT_EQ(b.total.requests, 60);
    EXPECT_EQ(a.total.p50_latency_ms, b.total.p50_latency_ms);
    EXPECT_FALSE(b.total.cost_usd.has_value());  // b's m2 has no price
    // Finishing empties the aggregator.
    EXPECT_EQ(streamed.finish().total.requests, 0);
  }
  // Sessions are ordered by their first request, wherever it came in the stream: s0 began first.
  Aggregator by_session(Grouping::session, prices);
  for (const UsageRow& r : shuffled) {
    by_session.add(r);
  }
  EXPECT_EQ(by_session.finish().rows.front().session, "s0");
}

TEST(Aggregate, LatenciesBeyondThe32BitRangeAreClamped) {
  Report r =
      aggregate({row("a", "m", kDay5, 1, 1, 0, 200, std::int64_t{1} << 40)}, Grouping::profile, {});
  EXPECT_EQ(r.total.p50_latency_ms, INT32_MAX);
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
  std::vector<std::int32_t> one{7};
  std::vector<std::int32_t> even{4, 1, 3, 2};
  std::vector<std::int32_t> none;
  EXPECT_EQ(median(one), 7);
  EXPECT_EQ(median(even), 2);
  EXPECT_FALSE(median(none).has_value());
  EXPECT_EQ(grouping_named("day"), Grouping::day);
  EXPECT_FALSE(grouping_named("week").has_value());
}

}  // namespace
}  // namespace ccproxy::usage
