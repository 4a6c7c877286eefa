#include "usage/ledger_writer.h"

#include <sqlite3.h>
#include <sys/resource.h>

#include <cerrno>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.h"
#include "usage/ledger_db.h"

namespace ccproxy::usage {
namespace {

using testing::kDay5;
using testing::row;
using testing::TempDir;

std::size_t count_rows(const std::filesystem::path& file) {
  auto db = LedgerDb::open(file, LedgerDb::Mode::existing);
  EXPECT_TRUE(db) << db.error();
  return db ? db->rows({})->size() : 0;
}

TEST(LedgerWriter, WritesOnceABatchWaitsAndEverythingOnDestruction) {
  TempDir dir;
  {
    WriterOptions options;
    options.interval = std::chrono::hours(1);  // only the batch size or the end writes
    auto w = LedgerWriter::open(dir.file(), options);
    ASSERT_TRUE(w) << w.error();
    for (int i = 0; i < 99; ++i) {
      (*w)->add(row("glm", "m", kDay5 + i, 1, 2));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ((*w)->written(), 0u);  // 99 rows: not a batch yet
    (*w)->add(row("glm", "m", kDay5 + 99, 1, 2));
    for (int i = 0; i < 300 && (*w)->written() < 100; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ((*w)->written(), 100u);
    for (int i = 0; i < 20; ++i) {
      (*w)->add(row("glm", "m", kDay5 + 100 + i, 1, 2));
    }
  }
  EXPECT_EQ(count_rows(dir.file()), 120u);
}

TEST(LedgerWriter, WritesAQuietTrickleWithinTheInterval) {
  TempDir dir;
  WriterOptions options;
  options.interval = std::chrono::milliseconds(50);
  auto w = LedgerWriter::open(dir.file(), options);
  ASSERT_TRUE(w);
  (*w)->add(row("glm", "m", kDay5, 1, 2));
  for (int i = 0; i < 100 && (*w)->written() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ((*w)->written(), 1u);
  EXPECT_EQ(count_rows(dir.file()), 1u);
}

TEST(LedgerWriter, AFullQueueDropsRowsCountedAndWarnsOnce) {
  TempDir dir;
  std::mutex mu;
  std::vector<std::string> warnings;
  WriterOptions options;
  options.max_queued = 10;
  options.batch_rows = 1000;  // never wakes for a batch: the queue fills
  options.interval = std::chrono::hours(1);
  options.warn = [&](const std::string& w) {
    std::lock_guard lock(mu);
    warnings.push_back(w);
  };
  {
    auto w = LedgerWriter::open(dir.file(), options);
    ASSERT_TRUE(w);
    for (int i = 0; i < 25; ++i) {
      (*w)->add(row("glm", "m", kDay5 + i, 1, 2));
    }
    EXPECT_EQ((*w)->dropped(), 15u);
    (*w)->flush();
    EXPECT_EQ((*w)->written(), 10u);
  }
  EXPECT_EQ(count_rows(dir.file()), 10u);
  std::lock_guard lock(mu);
  ASSERT_EQ(warnings.size(), 1u);  // at most one a minute
  EXPECT_NE(warnings[0].find("15 rows not recorded (the queue was full)"), std::string::npos)
      << warnings[0];
}

TEST(LedgerWriter, ALockedDatabaseCostsRowsNotRequests) {
  TempDir dir;
  std::atomic<int> warned{0};
  WriterOptions options;
  options.busy_timeout_ms = 50;
  options.interval = std::chrono::milliseconds(10);
  options.warn = [&](const std::string&) { ++warned; };
  auto w = LedgerWriter::open(dir.file(), options);
  ASSERT_TRUE(w);
  // Another process holds the write lock for longer than the busy timeout.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    (*w)->add(row("glm", "m", kDay5 + i, 1, 2));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(20));
  (*w)->flush();
  EXPECT_EQ((*w)->dropped(), 5u);
  EXPECT_EQ(warned.load(), 1);
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  // The lock is gone: rows are written again.
  (*w)->add(row("glm", "m", kDay5 + 10, 1, 2));
  (*w)->flush();
  EXPECT_EQ((*w)->written(), 1u);
  EXPECT_EQ(warned.load(), 1);  // the next warning waits a minute
}

TEST(LedgerWriter, ThreadsAndTwoWritersShareOneFile) {
  TempDir dir;
  {
    auto a = LedgerWriter::open(dir.file(), {});
    auto b = LedgerWriter::open(dir.file(), {});
    ASSERT_TRUE(a && b);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      LedgerWriter& w = t % 2 == 0 ? **a : **b;
      threads.emplace_back([&w, t] {
        for (int i = 0; i < 300; ++i) {
          w.add(row(t % 2 == 0 ? "a" : "b", "m", kDay5 + i, 1, 2));
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
  }
  EXPECT_EQ(count_rows(dir.file()), 1200u);
}

/// The nice value of this process's thread named `name` (-100 when there is none).
int nice_of_thread(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    std::getline(comm, line);
    if (line != name) {
      continue;
    }
    std::ifstream stat(task.path() / "stat");
    std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(all.substr(all.rfind(')') + 2));  // after "pid (comm) "
    std::string f;
    for (int i = 3; i <= 19 && fields >> f; ++i) {  // field 19 of proc_pid_stat(5): nice
    }
    return std::stoi(f);
  }
  return -100;
}

TEST(LedgerWriter, TheWriterThreadIsNamedAndRunsAtTheLowestPriority) {
  TempDir dir;
  auto w = LedgerWriter::open(dir.file(), {});
  ASSERT_TRUE(w) << w.error();
  (*w)->add(row("glm", "m", kDay5, 1, 2));
  (*w)->flush();  // the thread has started and set itself up
  EXPECT_EQ(nice_of_thread("ccproxy-ledger"), 19);
  errno = 0;
  const int own = getpriority(PRIO_PROCESS, 0);  // this (the test's main) thread's
  ASSERT_EQ(errno, 0);
  EXPECT_EQ(nice_of_thread("usage_test"), own);
  if (own < 19) {
    EXPECT_LT(nice_of_thread("usage_test"), 19) << "only the writer thread is lowered";
  }
}

}  // namespace
}  // namespace ccproxy::usage
