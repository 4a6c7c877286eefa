#include "usage/ledger_db.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace ccproxy::usage {
namespace {

using testing::expect_same_row;
using testing::kDay5;
using testing::row;
using testing::TempDir;

TEST(LedgerDb, CreatesAPrivateWalFileWithAVersionedSchema) {
  TempDir dir;
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_TRUE(db) << db.error();
  struct stat st {};
  ASSERT_EQ(::stat(dir.file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file().c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(s, 0), kSchemaVersion);
  sqlite3_finalize(s);
  sqlite3_close(raw);
}

TEST(LedgerDb, ABatchLargerThanOneStatementKeepsEveryRowAndItsOrder) {
  // 37 rows: two 16-row statements and five single ones, with NULLs in between.
  TempDir dir;
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_TRUE(db) << db.error();
  std::vector<UsageRow> written;
  for (int i = 0; i < 37; ++i) {
    UsageRow r = row(i % 2 == 0 ? "glm" : "kimi", "m" + std::to_string(i), kDay5 + i, 100 + i, i,
                     i % 5, 200 + i % 3, 1000 + i, i % 3 == 0 ? "" : "s" + std::to_string(i));
    r.stream = i % 4 == 0;
    r.cache_write_tokens = i * 2;
    r.ttfb_ms = i % 6 == 0 ? -1 : i * 10;
    written.push_back(r);
  }
  ASSERT_TRUE(db->insert(written));
  auto all = db->rows({});
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same_row(UsageRowRef::of((*all)[i]), written[i]);
  }
}

TEST(LedgerDb, RowsComeBackAsWritten) {
  TempDir dir;
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_TRUE(db) << db.error();
  UsageRow a = row("glm", "zai/GLM-4.6", kDay5 + 1000, 812, 96, 40, 200, 5123, "sess-1");
  a.stream = true;
  a.cache_write_tokens = 7;
  UsageRow b = row("kimi", "groq/kimi", kDay5 + 2000, 1, 2, 0, 499, 20);
  b.ttfb_ms = -1;
  ASSERT_TRUE(db->insert({a, b}));

  auto all = db->rows({});
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 2u);
  const UsageRow& r = (*all)[0];
  EXPECT_EQ(r.time_ms, a.time_ms);
  EXPECT_EQ(r.profile, "glm");
  EXPECT_EQ(r.upstream, "router.example");
  EXPECT_EQ(r.model, "zai/GLM-4.6");
  EXPECT_EQ(r.client_model, "claude-sonnet-4-5");
  EXPECT_EQ(r.session, "sess-1");
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.input_tokens, 812);
  EXPECT_EQ(r.output_tokens, 96);
  EXPECT_EQ(r.cache_read_tokens, 40);
  EXPECT_EQ(r.cache_write_tokens, 7);
  EXPECT_EQ(r.latency_ms, 5123);
  EXPECT_EQ(r.ttfb_ms, 2561);
  EXPECT_EQ((*all)[1].session, "");
  EXPECT_EQ((*all)[1].ttfb_ms, -1);
  EXPECT_EQ((*all)[1].status, 499);

  RowQuery by_session;
  by_session.session = "sess-1";
  EXPECT_EQ(db->rows(by_session)->size(), 1u);
  RowQuery by_profile;
  by_profile.profile = "kimi";
  EXPECT_EQ(db->rows(by_profile)->at(0).model, "groq/kimi");
  RowQuery range;
  range.since_ms = kDay5 + 1001;
  range.until_ms = kDay5 + 2000;  // exclusive
  EXPECT_TRUE(db->rows(range)->empty());
}

TEST(LedgerDb, ReopeningKeepsRowsAndTwoConnectionsWriteTheSameFile) {
  TempDir dir;
  auto one = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  auto two = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_TRUE(one && two);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(one->insert({row("a", "m", kDay5 + i, 1, 1)}));
    ASSERT_TRUE(two->insert({row("b", "m", kDay5 + i, 1, 1)}));
  }
  auto again = LedgerDb::open(dir.file(), LedgerDb::Mode::existing);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->rows({})->size(), 100u);
}

TEST(LedgerDb, ExistingModeNeverCreatesAndRefusesForeignFiles) {
  TempDir dir;
  auto missing = LedgerDb::open(dir.file(), LedgerDb::Mode::existing);
  ASSERT_FALSE(missing);
  EXPECT_FALSE(std::filesystem::exists(dir.file()));

  std::ofstream(dir.file("junk.db")) << "this is not a database, it is text of some length....";
  auto junk = LedgerDb::open(dir.file("junk.db"), LedgerDb::Mode::existing);
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.error().find("junk.db"), std::string::npos) << junk.error();
}

TEST(LedgerDb, ANewerSchemaIsRefused) {
  TempDir dir;
  {
    auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
    ASSERT_TRUE(db);
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().find("schema version 99 is newer"), std::string::npos) << db.error();
}

TEST(LedgerDb, RefusesASymbolicLink) {
  TempDir dir;
  std::filesystem::create_symlink(dir.file("elsewhere.db"), dir.file());
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_FALSE(db);
  EXPECT_FALSE(std::filesystem::exists(dir.file("elsewhere.db")));
}

TEST(LedgerDb, SumsByModelAddUpTheSelectedRows) {
  TempDir dir;
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->insert(
      {row("a", "m1", 100, 1, 10, 100, 200, 5, "s"), row("a", "m1", 300, 2, 20, 200, 200, 5, "s"),
       row("a", "m2", 200, 4, 40, 0, 200, 5, "s"), row("b", "m1", 400, 8, 80, 0, 200, 5, "s"),
       row("a", "m1", 500, 16, 160, 0, 200, 5, "t")}));
  RowQuery q;
  q.profile = "a";
  q.session = "s";
  auto sums = db->sums_by_model(q);
  ASSERT_TRUE(sums) << sums.error();
  ASSERT_EQ(sums->size(), 2u);
  const UsageRow& m1 = (*sums)[0].model == "m1" ? (*sums)[0] : (*sums)[1];
  const UsageRow& m2 = (*sums)[0].model == "m1" ? (*sums)[1] : (*sums)[0];
  EXPECT_EQ(m1.profile, "a");
  EXPECT_EQ(m1.input_tokens, 3);
  EXPECT_EQ(m1.output_tokens, 30);
  EXPECT_EQ(m1.cache_read_tokens, 300);
  EXPECT_EQ(m1.time_ms, 300);  // the latest
  EXPECT_EQ(m2.input_tokens, 4);
  RowQuery since;
  since.since_ms = 350;
  EXPECT_EQ(db->sums_by_model(since)->size(), 2u);  // b/m1 and a/m1 (500)
}

TEST(LedgerDb, RemoveBeforeCountsOrRemoves) {
  TempDir dir;
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_TRUE(db);
  ASSERT_TRUE(
      db->insert({row("a", "m", 100, 1, 1), row("a", "m", 200, 1, 1), row("a", "m", 300, 1, 1)}));
  EXPECT_EQ(*db->remove_before(250, true), 2);
  EXPECT_EQ(db->rows({})->size(), 3u);
  EXPECT_EQ(*db->remove_before(250), 2);
  ASSERT_EQ(db->rows({})->size(), 1u);
  EXPECT_EQ(db->rows({})->at(0).time_ms, 300);
}

}  // namespace
}  // namespace ccproxy::usage
