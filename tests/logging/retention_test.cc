// Retention: age by mtime (boundary exact), size cap, foreign and current files untouched,
// dry run, concurrent runs.

#include "logging/retention.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/logging/test_dir.h"

namespace ccproxy::logging {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

constexpr auto kDay = std::chrono::hours(24);

// A fixed "now" with a fractional second, so that the boundary is tested to the nanosecond.
std::chrono::system_clock::time_point fixed_now() {
  return std::chrono::system_clock::from_time_t(1'795'000'000) + 123'456'789ns;
}

void make_file(const std::filesystem::path& p, std::size_t bytes,
               std::chrono::system_clock::time_point mtime) {
  testing::write_file(p, std::string(bytes, 'a'));
  testing::set_mtime(p, mtime);
}

std::set<std::string> removed_names(const CleanReport& r) {
  std::set<std::string> out;
  for (const auto& x : r.removed) {
    out.insert(x.file.filename().string());
  }
  return out;
}

RetentionOptions days(int n) {
  RetentionOptions o;
  o.retention_days = n;
  o.max_total_bytes = 0;
  return o;
}

TEST(Retention, AgeBoundaryIsMtimeBeforeNowMinusDays) {
  TempDir tmp;
  const auto now = fixed_now();
  const auto& d = tmp.path();
  make_file(d / "glm.log.20261116-000000", 10, now - 4 * kDay);
  make_file(d / "glm.log.20261117-000000.gz", 10, now - 3 * kDay - 1ns);
  make_file(d / "glm.log.20261117-000001", 10, now - 3 * kDay);  // exactly 3 days: kept
  make_file(d / "glm.log.20261117-000002", 10, now - 3 * kDay + 1ns);
  make_file(d / "glm.log.20261118-000000", 10, now - 2 * kDay);
  make_file(d / "ccproxy.log.20261116-000000-1.gz", 10, now - 4 * kDay);

  CleanReport r = clean_archives(d, days(3), now);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(removed_names(r),
            (std::set<std::string>{"glm.log.20261116-000000", "glm.log.20261117-000000.gz",
                                   "ccproxy.log.20261116-000000-1.gz"}));
  EXPECT_EQ(r.bytes, 30u);
  for (const auto& x : r.removed) {
    EXPECT_EQ(x.reason, "older than 3 days");
    EXPECT_EQ(x.bytes, 10u);
  }
  EXPECT_EQ(testing::list_dir(d),
            (std::vector<std::string>{"glm.log.20261117-000001", "glm.log.20261117-000002",
                                      "glm.log.20261118-000000"}));
}

TEST(Retention, CurrentAndForeignFilesAreNeverTouched) {
  TempDir tmp;
  const auto now = fixed_now();
  const auto& d = tmp.path();
  const std::vector<std::string> keep = {"glm.log",
                                         "ccproxy.log",
                                         "notes.txt",
                                         "glm.log.bak",
                                         "other.log.2024",
                                         "glm.log.20261101-000000.zip",
                                         "glm.log.1",
                                         "x.y.log.20261101-000000",
                                         "glm.log.20261101-000000.gz.tmp.1"};
  for (const auto& name : keep) {
    make_file(d / name, 100, now - 400 * kDay);
  }
  // A directory and a symlink that look like archives are not ours either.
  std::filesystem::create_directory(d / "dir.log.20261101-000000");
  std::filesystem::create_symlink(d / "notes.txt", d / "link.log.20261101-000000");
  make_file(d / "glm.log.20261101-000000", 100, now - 400 * kDay);

  RetentionOptions o = days(0);
  o.max_total_bytes = 1;
  CleanReport r = clean_archives(d, o, now);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(removed_names(r), (std::set<std::string>{"glm.log.20261101-000000"}));
  for (const auto& name : keep) {
    EXPECT_TRUE(std::filesystem::exists(d / name)) << name;
  }
  EXPECT_TRUE(std::filesystem::is_directory(d / "dir.log.20261101-000000"));
  EXPECT_TRUE(std::filesystem::is_symlink(d / "link.log.20261101-000000"));
}

TEST(Retention, StaleCompressionLeftoversGoByAgeOnly) {
  TempDir tmp;
  const auto now = fixed_now();
  const auto& d = tmp.path();
  make_file(d / "glm.log.20261101-000000.gz.tmp", 50, now - 10 * kDay);  // a crash's leftover
  make_file(d / "glm.log.20261121-000000.gz.tmp", 50, now - 1s);  // a compression running now
  make_file(d / "glm.log.20261121-000000", 50, now - 1s);
  RetentionOptions o = days(3);
  o.max_total_bytes = 60;  // the plain archive alone is under the cap; tmp files do not count
  CleanReport r = clean_archives(d, o, now);
  EXPECT_EQ(removed_names(r), (std::set<std::string>{"glm.log.20261101-000000.gz.tmp"}));
}

TEST(Retention, PlainArchiveBesideItsCompleteGzIsADuplicate) {
  TempDir tmp;
  const auto now = fixed_now();
  const auto& d = tmp.path();
  make_file(d / "glm.log.20261121-000000", 500, now - 1 * kDay);
  make_file(d / "glm.log.20261121-000000.gz", 40, now - 1 * kDay);
  CleanReport r = clean_archives(d, days(3), now);
  ASSERT_EQ(r.removed.size(), 1u);
  EXPECT_EQ(r.removed[0].file.filename(), "glm.log.20261121-000000");
  EXPECT_EQ(r.removed[0].reason, "duplicate of its .gz");
  EXPECT_TRUE(std::filesystem::exists(d / "glm.log.20261121-000000.gz"));
}

TEST(Retention, SizeCapRemovesOldestFirstUntilUnder) {
  TempDir tmp;
  const auto now = fixed_now();
  const auto& d = tmp.path();
  // Ages 1..5 hours; names deliberately not in age order (age is the mtime).
  make_file(d / "a.log.20261121-050000", 100, now - 1h);
  make_file(d / "b.log.20261121-010000", 100, now - 2h);
  make_file(d / "a.log.20261121-030000.gz", 100, now - 3h);
  make_file(d / "c.log.20261121-020000", 100, now - 4h);
  make_file(d / "a.log.20261121-040000", 100, now - 5h);
  make_file(d / "a.log", 10'000, now - 10h);  // current logs do not count and never go

  RetentionOptions o = days(3);
  o.max_total_bytes = 250;
  CleanReport r = clean_archives(d, o, now);
  ASSERT_EQ(r.removed.size(), 3u);
  EXPECT_EQ(r.removed[0].file.filename(), "a.log.20261121-040000");
  EXPECT_EQ(r.removed[1].file.filename(), "c.log.20261121-020000");
  EXPECT_EQ(r.removed[2].file.filename(), "a.log.20261121-030000.gz");
  EXPECT_EQ(r.removed[0].reason, "over the 250 bytes cap");
  EXPECT_TRUE(std::filesystem::exists(d / "a.log"));
  EXPECT_TRUE(std::filesystem::exists(d / "b.log.20261121-010000"));
  EXPECT_TRUE(std::filesystem::exists(d / "a.log.20261121-050000"));

  // Exactly at the cap is fine.
  o.max_total_bytes = 200;
  EXPECT_TRUE(clean_archives(d, o, now).removed.empty());
}

TEST(Retention, CapMessageInMegabytes) {
  TempDir tmp;
  const auto now = fixed_now();
  make_file(tmp.path() / "a.log.20261121-050000", 100, now - 1h);
  RetentionOptions o = days(3);
  o.max_total_bytes = 1024ull << 20;
  EXPECT_TRUE(clean_archives(tmp.path(), o, now).removed.empty());
  o.max_total_bytes = 99;
  auto r = clean_archives(tmp.path(), o, now);
  ASSERT_EQ(r.removed.size(), 1u);
  EXPECT_EQ(r.removed[0].reason, "over the 99 bytes cap");
}

TEST(Retention, DryRunReportsTheSameAndDeletesNothing) {
  TempDir tmp;
  const auto now = fixed_now();
  const auto& d = tmp.path();
  for (int i = 0; i < 6; ++i) {
    make_file(d / ("glm.log.2026111" + std::to_string(i) + "-000000"), 100 + i, now - i * kDay);
  }
  auto before = testing::list_dir(d);
  RetentionOptions o = days(3);
  o.max_total_bytes = 250;
  o.dry_run = true;
  CleanReport dry = clean_archives(d, o, now);
  EXPECT_EQ(testing::list_dir(d), before);
  EXPECT_FALSE(dry.removed.empty());

  o.dry_run = false;
  CleanReport real = clean_archives(d, o, now);
  ASSERT_EQ(real.removed.size(), dry.removed.size());
  for (std::size_t i = 0; i < real.removed.size(); ++i) {
    EXPECT_EQ(real.removed[i].file, dry.removed[i].file);
    EXPECT_EQ(real.removed[i].bytes, dry.removed[i].bytes);
    EXPECT_EQ(real.removed[i].reason, dry.removed[i].reason);
  }
  EXPECT_EQ(real.bytes, dry.bytes);
  // Idempotent: a second run has nothing left to do.
  EXPECT_TRUE(clean_archives(d, o, now).removed.empty());
}

TEST(Retention, MissingDirectoryIsNothingToDo) {
  TempDir tmp;
  CleanReport r = clean_archives(tmp.path() / "nope", days(3), fixed_now());
  EXPECT_TRUE(r.removed.empty());
  EXPECT_TRUE(r.errors.empty());
}

TEST(Retention, ConcurrentRunsRemoveEachFileOnceAndNeverFail) {
  TempDir tmp;
  const auto now = fixed_now();
  const auto& d = tmp.path();
  constexpr int kFiles = 300;
  for (int i = 0; i < kFiles; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "w%d.log.20261101-%06d", i % 7, i);
    make_file(d / name, 10, now - 5 * kDay);
  }
  make_file(d / "w1.log", 10, now - 5 * kDay);
  constexpr int kRuns = 6;
  std::vector<CleanReport> reports(kRuns);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kRuns; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready < kRuns) {
      }
      reports[t] = clean_archives(d, days(3), now);
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  std::multiset<std::string> all;
  std::uint64_t bytes = 0;
  for (const auto& r : reports) {
    EXPECT_TRUE(r.errors.empty()) << r.errors.front();
    for (const auto& x : r.removed) {
      all.insert(x.file.filename().string());
    }
    bytes += r.bytes;
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kFiles)) << "each file counted by one run";
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  EXPECT_EQ(bytes, 10u * kFiles);
  EXPECT_EQ(testing::list_dir(d), std::vector<std::string>{"w1.log"});
}

}  // namespace
}  // namespace ccproxy::logging
