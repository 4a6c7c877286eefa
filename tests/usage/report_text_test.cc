#include "usage/report_text.h"

#include <nlohmann/json.hpp>

#include "temp_dir.h"

namespace ccproxy::usage {
namespace {

using testing::kDay5;
using testing::kDayMs;
using testing::row;

const PriceBook kPrices{{"glm", {{"zai/GLM-4.6", Price{1.0, 2.0, 0.1, std::nullopt}}}}};

TEST(ReportText, JsonFieldsAreTheDocumentedOnes) {
  Report r = aggregate(
      {row("glm", "zai/GLM-4.6", kDay5, 1000, 100, 1000), row("kimi", "groq/kimi", kDay5, 1, 1)},
      Grouping::profile_model, kPrices);
  nlohmann::json j = report_json(r, Grouping::profile_model, kDay5, std::nullopt);
  EXPECT_EQ(j["by"], "profile,model");
  EXPECT_EQ(j["since"], "2026-12-05T00:00:00Z");
  EXPECT_TRUE(j["until"].is_null());
  ASSERT_EQ(j["rows"].size(), 2u);
  const auto& glm = j["rows"][0];
  for (const char* key : {"profile", "model", "requests", "errors", "input_tokens", "output_tokens",
                          "cache_read_tokens", "cache_write_tokens", "cache_hit_rate", "cost_usd",
                          "unpriced_requests", "p50_latency_ms", "p50_ttfb_ms"}) {
    EXPECT_TRUE(glm.contains(key)) << key;
  }
  EXPECT_EQ(glm["profile"], "glm");
  EXPECT_EQ(glm["input_tokens"], 1000);
  EXPECT_NEAR(glm["cost_usd"].get<double>(), (1000 + 200 + 100) / 1e6, 1e-15);
  EXPECT_DOUBLE_EQ(glm["cache_hit_rate"].get<double>(), 0.5);
  EXPECT_TRUE(j["rows"][1]["cost_usd"].is_null());
  EXPECT_FALSE(j["total"].contains("profile"));
  EXPECT_EQ(j["total"]["requests"], 2);
  EXPECT_TRUE(j["total"]["cost_usd"].is_null());

  nlohmann::json by_day = report_json(aggregate({row("a", "m", kDay5, 1, 1)}, Grouping::day, {}),
                                      Grouping::day, 0, kDay5 + kDayMs);
  EXPECT_EQ(by_day["rows"][0]["day"], "2026-12-05");
  EXPECT_FALSE(by_day["rows"][0].contains("profile"));
  EXPECT_EQ(by_day["until"], "2026-12-06T00:00:00Z");
}

TEST(ReportText, TableHasAlignedColumnsAndATotalLine) {
  Report r = aggregate({row("glm", "zai/GLM-4.6", kDay5, 1234567, 100, 0, 200, 5123),
                        row("kimi", "groq/kimi", kDay5, 1, 1, 0, 500, 20)},
                       Grouping::profile_model, kPrices);
  const std::string text = render_report(r, Grouping::profile_model, false, false);
  EXPECT_EQ(
      text,
      "PROFILE  MODEL        REQUESTS  ERRORS      INPUT  OUTPUT  CACHE-READ  HIT   COST     P50\n"
      "glm      zai/GLM-4.6         1       0  1,234,567     100           0   0%  $1.23  5123ms\n"
      "kimi     groq/kimi           1       1          1       1           0   0%      -    20ms\n"
      "TOTAL                        2       1  1,234,568     101           0   0%      -    "
      "20ms\n");
  EXPECT_EQ(text.find('\033'), std::string::npos);
}

TEST(ReportText, DaysGetABarChartOnlyWhenAsked) {
  Report r = aggregate({row("a", "m", kDay5 - kDayMs, 100, 0), row("a", "m", kDay5, 50, 0)},
                       Grouping::day, {});
  const std::string plain = render_report(r, Grouping::day, false, false);
  EXPECT_EQ(plain.find("\u2588"), std::string::npos);
  const std::string chart = render_report(r, Grouping::day, true, false);
  EXPECT_NE(chart.find("TOKENS"), std::string::npos);
  std::string full_bar;
  for (int i = 0; i < 30; ++i) {
    full_bar += "\u2588";
  }
  EXPECT_NE(chart.find("2026-12-04"), std::string::npos);
  EXPECT_NE(chart.find(full_bar + "\n"), std::string::npos) << chart;
  EXPECT_NE(chart.find(full_bar.substr(0, 15 * 3) + "\n"), std::string::npos) << chart;
  EXPECT_EQ(chart.find('\033'), std::string::npos);
  EXPECT_NE(render_report(r, Grouping::day, true, true).find("\033[36m"), std::string::npos);
}

TEST(ReportText, NumbersAndMoney) {
  EXPECT_EQ(group_digits(0), "0");
  EXPECT_EQ(group_digits(999), "999");
  EXPECT_EQ(group_digits(1000), "1,000");
  EXPECT_EQ(group_digits(12345678), "12,345,678");
  EXPECT_EQ(money_text(std::nullopt), "-");
  EXPECT_EQ(money_text(0.0123), "$0.0123");
  EXPECT_EQ(money_text(1.234), "$1.23");
  EXPECT_EQ(money_text(1234.567), "$1,234.57");
  EXPECT_EQ(short_count(999), "999");
  EXPECT_EQ(short_count(12345), "12.3k");
  EXPECT_EQ(short_count(3'400'000), "3.4M");
}

}  // namespace
}  // namespace ccproxy::usage
