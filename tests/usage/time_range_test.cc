#include "usage/time_range.h"

#include "temp_dir.h"

namespace ccproxy::usage {
namespace {

using testing::kDay5;
using testing::kDayMs;

// The tests run with TZ=UTC (CMakeLists), so local days are UTC days.
constexpr std::int64_t kNow = kDay5 + 15 * 3'600'000;  // 2026-12-05 15:00

TEST(TimeRange, DurationsCountBackFromNow) {
  EXPECT_EQ(*parse_time_bound("30m", kNow, Bound::since), kNow - 30 * 60'000);
  EXPECT_EQ(*parse_time_bound("1h", kNow, Bound::since), kNow - 3'600'000);
  EXPECT_EQ(*parse_time_bound("7d", kNow, Bound::since), kNow - 7 * kDayMs);
  EXPECT_EQ(*parse_time_bound("2w", kNow, Bound::until), kNow - 14 * kDayMs);
  EXPECT_EQ(*parse_time_bound("90s", kNow, Bound::since), kNow - 90'000);
  EXPECT_EQ(*parse_time_bound("0d", kNow, Bound::since), kNow);
}

TEST(TimeRange, DatesAreLocalDaysAndUntilIncludesTheDay) {
  EXPECT_EQ(*parse_time_bound("2026-12-05", kNow, Bound::since), kDay5);
  EXPECT_EQ(*parse_time_bound("2026-12-05", kNow, Bound::until), kDay5 + kDayMs);
  EXPECT_EQ(*parse_time_bound("2026-12-01", kNow, Bound::since), kDay5 - 4 * kDayMs);
  EXPECT_EQ(*parse_time_bound("2026-12-31", kNow, Bound::until),
            *parse_time_bound("2027-01-01", kNow, Bound::since));
}

TEST(TimeRange, AnythingElseIsRefusedSayingWhatIsAccepted) {
  for (const char* bad : {"", "7", "d", "7x", "-7d", "7 d", "1.5h", "2026-13-01", "2026-02-30",
                          "2026-2-1", "26-12-01", "yesterday", "7dd", "9999999999d"}) {
    auto r = parse_time_bound(bad, kNow, Bound::since);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().find("(30m, 1h, 7d, 2w) or a date (2026-12-01)"), std::string::npos);
    }
  }
}

TEST(TimeRange, LocalDays) {
  EXPECT_EQ(local_day(kNow), "2026-12-05");
  EXPECT_EQ(local_day(kDay5 - 1), "2026-12-04");
  EXPECT_EQ(start_of_local_day(kNow), kDay5);
}

}  // namespace
}  // namespace ccproxy::usage
