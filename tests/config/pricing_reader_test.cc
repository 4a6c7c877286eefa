#include <gtest/gtest.h>

#include "config/load_fleet.h"
#include "temp_home.h"

namespace ccproxy::config {
namespace {

using testing::all_problems;
using testing::has_problem;
using testing::minimal_profile;
using testing::TempHome;

Fleet load_with(const TempHome& h, const std::string& profile_extra,
                const std::string& fleet_toml = "") {
  h.write("profiles/glm.toml", minimal_profile(8082) + profile_extra);
  if (!fleet_toml.empty()) {
    h.write("ccproxy.toml", fleet_toml);
  }
  return load_fleet(h.home(), Environment{});
}

TEST(Pricing, ReadsPricesByProviderModel) {
  TempHome h;
  Fleet fleet = load_with(h, R"toml(
[pricing]
"zai/GLM-4.6" = { input = 0.60, output = 2.20, cache_read = 0.11 }
"vendor/model" = { input = 1, output = 4, cache_read = 0.1, cache_write = 1.25 }
)toml");
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  const usage::PriceTable& t = fleet.profiles.at(0).pricing;
  ASSERT_EQ(t.size(), 2u);
  EXPECT_DOUBLE_EQ(t.at("zai/GLM-4.6").input, 0.60);
  EXPECT_DOUBLE_EQ(t.at("zai/GLM-4.6").output, 2.20);
  EXPECT_DOUBLE_EQ(t.at("zai/GLM-4.6").cache_read, 0.11);
  EXPECT_FALSE(t.at("zai/GLM-4.6").cache_write.has_value());
  EXPECT_DOUBLE_EQ(t.at("vendor/model").input, 1.0);
  EXPECT_DOUBLE_EQ(t.at("vendor/model").cache_write.value_or(-1), 1.25);
}

TEST(Pricing, NoTableMeansNoPrices) {
  TempHome h;
  Fleet fleet = load_with(h, "");
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  EXPECT_TRUE(fleet.profiles.at(0).pricing.empty());
}

TEST(Pricing, EveryMistakeIsReportedWithItsKey) {
  TempHome h;
  Fleet fleet = load_with(h, R"toml(
[pricing]
"a/one" = { input = 0.6, output = 2.2 }
"a/two" = { input = -1, output = 2, cache_read = 0.1 }
"a/three" = { input = "cheap", output = 2, cache_read = 0.1 }
"a/four" = { input = 1, output = 2, cache_read = 0.1, cache_wirte = 1 }
"a/five" = 3
)toml");
  EXPECT_FALSE(fleet.ok());
  const std::string all = all_problems(fleet);
  EXPECT_NE(all.find("pricing.\"a/one\".cache_read: required key is missing"), std::string::npos)
      << all;
  EXPECT_NE(all.find("pricing.\"a/two\".input"), std::string::npos) << all;
  EXPECT_NE(all.find("pricing.\"a/three\".input: expected a number"), std::string::npos) << all;
  EXPECT_NE(all.find("pricing.\"a/four\".cache_wirte: unknown key"), std::string::npos) << all;
  EXPECT_NE(all.find("pricing.\"a/five\""), std::string::npos) << all;
  EXPECT_TRUE(fleet.profiles.empty());
}

TEST(Pricing, DefaultsGivePricesToEveryProfile) {
  TempHome h;
  Fleet fleet = load_with(h, R"toml(
[pricing]
"zai/GLM-4.6" = { input = 0.5, output = 2, cache_read = 0.1 }
)toml",
                          R"toml(
[defaults.pricing]
"zai/GLM-4.6" = { input = 9, output = 9, cache_read = 9 }
"vendor/model" = { input = 1, output = 4, cache_read = 0.2 }
)toml");
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  const usage::PriceTable& t = fleet.profiles.at(0).pricing;
  EXPECT_DOUBLE_EQ(t.at("zai/GLM-4.6").input, 0.5);  // the profile wins
  EXPECT_DOUBLE_EQ(t.at("vendor/model").output, 4.0);
}

TEST(UsageSettings, DefaultsAndValues) {
  TempHome h;
  Fleet plain = load_with(h, "");
  EXPECT_TRUE(plain.usage.enabled);
  EXPECT_EQ(plain.usage.retention_days, 90);

  Fleet set = load_with(h, "", "[usage]\nenabled = false\nretention_days = 7\n");
  ASSERT_TRUE(set.ok()) << all_problems(set);
  EXPECT_FALSE(set.usage.enabled);
  EXPECT_EQ(set.usage.retention_days, 7);

  Fleet bad = load_with(h, "", "[usage]\nretention_days = -1\nkeep = 3\n");
  EXPECT_FALSE(bad.ok());
  const std::string all = all_problems(bad);
  EXPECT_NE(all.find("usage.retention_days"), std::string::npos) << all;
  EXPECT_NE(all.find("usage.keep: unknown key"), std::string::npos) << all;
}

}  // namespace
}  // namespace ccproxy::config
