#include "usage/retention.h"

#include "temp_dir.h"
#include "usage/ledger_db.h"

namespace ccproxy::usage {
namespace {

using testing::kDay5;
using testing::kDayMs;
using testing::row;
using testing::TempDir;

std::chrono::system_clock::time_point at(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

TEST(Retention, RemovesRowsOlderThanTheDaysAndKeepsTheRest) {
  TempDir dir;
  {
    auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->insert(
        {row("a", "m", kDay5 - 91 * kDayMs, 1, 1), row("a", "m", kDay5 - 90 * kDayMs - 1, 1, 1),
         row("a", "m", kDay5 - 90 * kDayMs, 1, 1), row("a", "m", kDay5 - 3 * kDayMs, 1, 1)}));
  }
  EXPECT_EQ(*apply_retention(dir.file(), 90, at(kDay5), true), 2);
  EXPECT_EQ(*apply_retention(dir.file(), 90, at(kDay5)), 2);
  EXPECT_EQ(*apply_retention(dir.file(), 90, at(kDay5)), 0);
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::existing);
  auto rows = db->rows({});
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->at(0).time_ms, kDay5 - 90 * kDayMs);  // exactly 90 days old: kept
}

TEST(Retention, ZeroDaysKeepsEverythingAndAMissingLedgerIsNothingToDo) {
  TempDir dir;
  EXPECT_EQ(*apply_retention(dir.file(), 90, at(kDay5)), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.file()));
  {
    auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
    ASSERT_TRUE(db->insert({row("a", "m", 1, 1, 1)}));
  }
  EXPECT_EQ(*apply_retention(dir.file(), 0, at(kDay5)), 0);
  EXPECT_EQ(retention_cutoff_ms(0, at(kDay5)), 0);
  EXPECT_EQ(retention_cutoff_ms(1, at(kDay5)), kDay5 - kDayMs);
}

}  // namespace
}  // namespace ccproxy::usage
