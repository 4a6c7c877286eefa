#include "supervisor/usage_retention.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "usage/ledger_db.h"

namespace ccproxy::supervisor {
namespace {

using namespace std::chrono_literals;

class UsageRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ccproxy-ret-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    home_.root = tmpl;
    std::filesystem::create_directories(home_.profiles_dir());
    std::ofstream(home_.defaults_file()) << "[usage]\nretention_days = 30\n";
    sink_ = std::make_shared<spdlog::sinks::ostream_sink_st>(out_);
    log_ = std::make_shared<spdlog::logger>("test", sink_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(home_.root, ec);
  }

  /// Adds one row `days_old` days old; returns the ledger's row count.
  std::size_t add_row(int days_old) {
    auto db = usage::LedgerDb::open(usage::ledger_file(home_.root), usage::LedgerDb::Mode::create);
    EXPECT_TRUE(db) << db.error();
    usage::UsageRow r;
    r.profile = "glm";
    r.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    (std::chrono::system_clock::now() - std::chrono::hours(24) * days_old)
                        .time_since_epoch())
                    .count();
    EXPECT_TRUE(db->insert({r}));
    return db->rows({})->size();
  }
  std::size_t rows() {
    auto db =
        usage::LedgerDb::open(usage::ledger_file(home_.root), usage::LedgerDb::Mode::existing);
    return db ? db->rows({})->size() : 0;
  }

  config::Home home_;
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_st> sink_;
  std::shared_ptr<spdlog::logger> log_;
};

TEST_F(UsageRetentionTest, RunsAtStartThenOnceADay) {
  add_row(40);
  add_row(1);
  UsageRetention retention(home_, *log_);
  const auto t0 = std::chrono::steady_clock::now();
  retention.tick(t0);
  EXPECT_EQ(rows(), 1u);
  EXPECT_NE(out_.str().find("usage retention: removed 1 ledger rows older than 30 days"),
            std::string::npos)
      << out_.str();

  add_row(40);
  retention.tick(t0 + 23h);  // not a day yet
  EXPECT_EQ(rows(), 2u);
  retention.tick(t0 + 24h);
  EXPECT_EQ(rows(), 1u);
}

TEST_F(UsageRetentionTest, NoLedgerIsNothingToDoAndABrokenOneIsAWarning) {
  UsageRetention retention(home_, *log_);
  retention.tick(std::chrono::steady_clock::now());
  EXPECT_FALSE(std::filesystem::exists(usage::ledger_file(home_.root)));
  EXPECT_EQ(out_.str(), "");

  std::ofstream(usage::ledger_file(home_.root)) << "not a database, just some text, long enough";
  UsageRetention again(home_, *log_);
  again.tick(std::chrono::steady_clock::now());
  EXPECT_NE(out_.str().find("usage retention: usage ledger"), std::string::npos) << out_.str();
}

}  // namespace
}  // namespace ccproxy::supervisor
