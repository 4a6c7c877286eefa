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

/// Times of `rows`, in order.
std::vector<std::int64_t> times_of(const std::vector<UsageRow>& rows) {
  std::vector<std::int64_t> t;
  for (const UsageRow& r : rows) {
    t.push_back(r.time_ms);
  }
  return t;
}

TEST(LedgerDb, ARowWrittenLateIsFoundByTimeSessionAndRetention) {
  // Rows are found by time through the spans of written ids, not an index on time: a long
  // request's row arrives batches after newer ones and must still be in every time range.
  TempDir dir;
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->insert(
      {row("a", "m", 1000, 1, 1, 0, 200, 5, "s1"), row("a", "m", 2000, 1, 1, 0, 200, 5, "s2")}));
  ASSERT_TRUE(db->insert({row("a", "m", 3000, 1, 1, 0, 200, 5, "s2")}));
  ASSERT_TRUE(db->insert({row("a", "m", 4000, 1, 1), row("b", "m", 500, 7, 1, 0, 200, 5, "s1")}));
  ASSERT_TRUE(db->insert({row("a", "m", 5000, 1, 1, 0, 200, 5, "s1")}));

  RowQuery since;
  since.since_ms = 2500;
  EXPECT_EQ(times_of(*db->rows(since)), (std::vector<std::int64_t>{3000, 4000, 5000}));
  since.since_ms = 400;
  EXPECT_EQ(times_of(*db->rows(since)),
            (std::vector<std::int64_t>{500, 1000, 2000, 3000, 4000, 5000}));
  since.since_ms = 600;
  since.until_ms = 2500;
  EXPECT_EQ(times_of(*db->rows(since)), (std::vector<std::int64_t>{1000, 2000}));
  since = {};
  since.since_ms = 5001;
  EXPECT_TRUE(db->rows(since)->empty());

  RowQuery session;
  session.session = "s1";
  EXPECT_EQ(times_of(*db->rows(session)), (std::vector<std::int64_t>{500, 1000, 5000}));
  session.profile = "b";
  ASSERT_EQ(db->sums_by_model(session)->size(), 1u);
  EXPECT_EQ(db->sums_by_model(session)->at(0).input_tokens, 7);
  session.session = "nobody";
  EXPECT_TRUE(db->rows(session)->empty());
  session.session = "s1";
  session.profile = "nobody";
  EXPECT_TRUE(db->sums_by_model(session)->empty());

  EXPECT_EQ(*db->remove_before(1500, true), 2);  // 500 (written late) and 1000
  EXPECT_EQ(*db->remove_before(1500), 2);
  EXPECT_EQ(times_of(*db->rows({})), (std::vector<std::int64_t>{2000, 3000, 4000, 5000}));
  ASSERT_TRUE(db->insert({row("a", "m", 6000, 1, 1, 0, 200, 5, "s1")}));
  session = {};
  session.session = "s1";
  EXPECT_EQ(times_of(*db->rows(session)), (std::vector<std::int64_t>{5000, 6000}));
  EXPECT_EQ(*db->remove_before(10'000), 5);
  EXPECT_TRUE(db->rows({})->empty());
  ASSERT_TRUE(db->insert({row("a", "m", 7000, 1, 1, 0, 200, 5, "s1")}));
  EXPECT_EQ(times_of(*db->rows(session)), (std::vector<std::int64_t>{7000}));
}

/// Runs `sql` on `file` through a connection of its own; the first column of each row, as
/// text.
std::vector<std::string> query_file(const std::filesystem::path& file, const char* sql) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  std::vector<std::string> out;
  EXPECT_EQ(sqlite3_prepare_v2(raw, sql, -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  while (sqlite3_step(s) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(s, 0);
    out.emplace_back(t != nullptr ? reinterpret_cast<const char*>(t) : "NULL");
  }
  sqlite3_finalize(s);
  sqlite3_close(raw);
  return out;
}

TEST(LedgerDb, ForEachStreamsRowsInWrittenOrderWithTheirTexts) {
  TempDir dir;
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_TRUE(db);
  std::vector<UsageRow> written = {row("glm", "zai/GLM-4.6", 2000, 1, 2, 0, 200, 5, "s-1"),
                                   row("kimi", "moonshot/kimi-k2", 3000, 3, 4),
                                   row("glm", "zai/GLM-4.6", 1000, 5, 6, 7, 499, 9000, "s-1")};
  written[1].ttfb_ms = 40;
  written[1].stream = true;
  written[1].client_model = "claude-opus-4-1";
  ASSERT_TRUE(db->insert(written));
  std::vector<UsageRow> seen;
  ASSERT_TRUE(db->for_each({}, [&seen](const UsageRow& r) { seen.push_back(r); }));
  ASSERT_EQ(seen.size(), 3u);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same_row(UsageRowRef::of(seen[i]), written[i]);  // the late row last, as written
  }
  RowQuery s1;
  s1.session = "s-1";
  seen.clear();
  ASSERT_TRUE(db->for_each(s1, [&seen](const UsageRow& r) { seen.push_back(r); }));
  EXPECT_EQ(times_of(seen), (std::vector<std::int64_t>{2000, 1000}));
}

TEST(LedgerDb, ForEachNamesARowWhoseTextIsMissing) {
  TempDir dir;
  {
    auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->insert({row("glm", "m", 1000, 1, 1)}));
  }
  EXPECT_TRUE(query_file(dir.file(), "UPDATE request_log SET model = 999").empty());
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::existing);
  ASSERT_TRUE(db);
  int calls = 0;
  auto read = db->for_each({}, [&calls](const UsageRow&) { ++calls; });
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error(), "no name with id 999");
  EXPECT_EQ(calls, 0);
  // The read transaction is over: the file can be written again.
  EXPECT_TRUE(db->insert({row("glm", "m", 2000, 1, 1)}));

  // A session id with no session row reads as none, as the view's LEFT JOIN shows it.
  EXPECT_TRUE(
      query_file(dir.file(), "UPDATE request_log SET model = profile, session = 777").empty());
  std::vector<UsageRow> seen;
  ASSERT_TRUE(db->for_each({}, [&seen](const UsageRow& r) { seen.push_back(r); }));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].session, "");
  EXPECT_EQ(seen[1].model, "glm");
}

TEST(LedgerDb, ASessionRemovedByAnotherConnectionIsAddedAgain) {
  // The writer remembers a session's id; retention in another process may remove it.
  TempDir dir;
  auto writer = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  auto cleaner = LedgerDb::open(dir.file(), LedgerDb::Mode::existing);
  ASSERT_TRUE(writer && cleaner);
  ASSERT_TRUE(writer->insert({row("a", "m", 1000, 1, 1, 0, 200, 5, "s1")}));
  EXPECT_EQ(*cleaner->remove_before(2000), 1);
  ASSERT_TRUE(writer->insert({row("a", "m", 3000, 1, 1, 0, 200, 5, "s1")}));
  RowQuery q;
  q.session = "s1";
  auto rows = cleaner->rows(q);
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).session, "s1");
  EXPECT_EQ(rows->at(0).time_ms, 3000);
}

TEST(LedgerDb, TheRequestsViewShowsEveryRowWithItsTexts) {
  TempDir dir;
  {
    auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->insert({row("glm", "zai/GLM-4.6", 100, 1, 2, 0, 200, 5, "s-1"),
                            row("kimi", "moonshot/kimi-k2", 200, 3, 4)}));
  }
  EXPECT_EQ(query_file(dir.file(),
                       "SELECT profile || '|' || model || '|' || client_model || '|' || "
                       "upstream || '|' || ifnull(session, 'NULL') || '|' || input_tokens "
                       "FROM requests ORDER BY time_ms"),
            (std::vector<std::string>{"glm|zai/GLM-4.6|claude-sonnet-4-5|router.example|s-1|1",
                                      "kimi|moonshot/kimi-k2|claude-sonnet-4-5|router.example|"
                                      "NULL|3"}));
}

TEST(LedgerDb, RowsInsertedThroughTheViewAreFoundLikeTheWritersOnes) {
  TempDir dir;
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->insert({row("a", "m", 5000, 1, 1, 0, 200, 5, "s1")}));
  const char* insert =
      "INSERT INTO requests (time_ms, profile, upstream, model, client_model, session, stream, "
      "status, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, latency_ms) "
      "VALUES (1000, 'b', 'u', 'm2', 'c', 's1', 1, 200, 7, 8, 9, 10, 11), "
      "(6000, 'a', 'u', 'm', 'c', NULL, 0, 200, 1, 1, 0, 0, 1);"
      "DELETE FROM requests WHERE time_ms = 6000;";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file().c_str(), &raw), SQLITE_OK);
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(raw, insert, nullptr, nullptr, &err), SQLITE_OK) << err;
  sqlite3_close(raw);
  ASSERT_TRUE(db->insert({row("a", "m", 7000, 1, 1, 0, 200, 5, "s1")}));

  RowQuery q;
  q.since_ms = 900;
  EXPECT_EQ(times_of(*db->rows(q)), (std::vector<std::int64_t>{1000, 5000, 7000}));
  q.session = "s1";
  auto rows = db->rows(q);
  ASSERT_EQ(times_of(*rows), (std::vector<std::int64_t>{1000, 5000, 7000}));
  UsageRow want{.time_ms = 1000,
                .profile = "b",
                .upstream = "u",
                .model = "m2",
                .client_model = "c",
                .session = "s1",
                .stream = true,
                .status = 200,
                .input_tokens = 7,
                .output_tokens = 8,
                .cache_read_tokens = 9,
                .cache_write_tokens = 10,
                .latency_ms = 11,
                .ttfb_ms = -1};
  expect_same_row(UsageRowRef::of(rows->at(0)), want);
  EXPECT_EQ(*db->remove_before(2000), 1);
  EXPECT_EQ(times_of(*db->rows({})), (std::vector<std::int64_t>{5000, 7000}));
}

TEST(LedgerDb, SpansRecordEachBatchAndTheBatchesOfEachSession) {
  TempDir dir;
  {
    auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->insert({row("a", "m", 3000, 1, 1, 0, 200, 5, "s1"), row("a", "m", 1000, 1, 1),
                            row("a", "m", 2000, 1, 1, 0, 200, 5, "s2")}));
    ASSERT_TRUE(db->insert({row("a", "m", 2500, 1, 1), row("a", "m", 4000, 1, 1)}));
    ASSERT_TRUE(db->insert({row("a", "m", 5000, 1, 1, 0, 200, 5, "s1")}));
  }
  EXPECT_EQ(query_file(dir.file(),
                       "SELECT first_id || '-' || last_id || ' ' || max_ms FROM "
                       "spans ORDER BY first_id"),
            (std::vector<std::string>{"1-3 3000", "4-5 4000", "6-6 5000"}));
  EXPECT_EQ(query_file(dir.file(),
                       "SELECT s.uuid || ' ' || first_id || '-' || last_id FROM session_spans "
                       "JOIN sessions s ON s.id = session ORDER BY s.uuid, first_id"),
            (std::vector<std::string>{"s1 1-3", "s1 6-6", "s2 1-3"}));
  EXPECT_EQ(query_file(dir.file(),
                       "SELECT uuid || ' ' || first_ms || ' ' || last_ms FROM "
                       "sessions ORDER BY uuid"),
            (std::vector<std::string>{"s1 3000 5000", "s2 2000 2000"}));
}

TEST(LedgerDb, AVersion1LedgerIsRewrittenWithEveryRow) {
  TempDir dir;
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(dir.file().c_str(), &raw), SQLITE_OK);
    const char* v1 =
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE requests (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, profile TEXT "
        "NOT NULL, upstream TEXT NOT NULL, model TEXT NOT NULL, client_model TEXT NOT NULL, "
        "session TEXT, stream INTEGER NOT NULL, status INTEGER NOT NULL, input_tokens INTEGER "
        "NOT NULL, output_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL, "
        "cache_write_tokens INTEGER NOT NULL, latency_ms INTEGER NOT NULL, ttfb_ms INTEGER);"
        "CREATE INDEX requests_time ON requests(time_ms);"
        "CREATE INDEX requests_session ON requests(session) WHERE session IS NOT NULL;"
        "INSERT INTO requests VALUES (1, 3000, 'glm', 'zai', 'zai/GLM-4.6', 'claude-opus-4', "
        "'s-1', 1, 200, 10, 20, 30, 40, 900, 100);"
        "INSERT INTO requests VALUES (2, 1000, 'kimi', 'ms', 'kimi-k2', 'claude-haiku-4', NULL, "
        "0, 499, 1, 2, 3, 4, 50, NULL);"
        "INSERT INTO requests VALUES (3, 2000, 'glm', 'zai', 'zai/GLM-4.6', 'claude-opus-4', "
        "'s-1', 1, 200, 5, 6, 7, 8, 60, 70);"
        "PRAGMA user_version = 1;";
    ASSERT_EQ(sqlite3_exec(raw, v1, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::existing);
  ASSERT_TRUE(db) << db.error();
  auto rows = db->rows({});
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 3u);
  UsageRow want{.time_ms = 1000,
                .profile = "kimi",
                .upstream = "ms",
                .model = "kimi-k2",
                .client_model = "claude-haiku-4",
                .session = "",
                .stream = false,
                .status = 499,
                .input_tokens = 1,
                .output_tokens = 2,
                .cache_read_tokens = 3,
                .cache_write_tokens = 4,
                .latency_ms = 50,
                .ttfb_ms = -1};
  expect_same_row(UsageRowRef::of((*rows)[0]), want);
  want = UsageRow{.time_ms = 3000,
                  .profile = "glm",
                  .upstream = "zai",
                  .model = "zai/GLM-4.6",
                  .client_model = "claude-opus-4",
                  .session = "s-1",
                  .stream = true,
                  .status = 200,
                  .input_tokens = 10,
                  .output_tokens = 20,
                  .cache_read_tokens = 30,
                  .cache_write_tokens = 40,
                  .latency_ms = 900,
                  .ttfb_ms = 100};
  expect_same_row(UsageRowRef::of((*rows)[2]), want);
  RowQuery q;
  q.session = "s-1";
  q.since_ms = 1500;
  EXPECT_EQ(times_of(*db->rows(q)), (std::vector<std::int64_t>{2000, 3000}));
  EXPECT_EQ(query_file(dir.file(), "PRAGMA user_version"), std::vector<std::string>{"2"});
  EXPECT_EQ(query_file(dir.file(),
                       "SELECT type || ' ' || name FROM sqlite_schema WHERE name LIKE "
                       "'requests%' AND type != 'trigger' ORDER BY 1"),
            (std::vector<std::string>{"view requests"}));  // the old table and indexes are gone
  ASSERT_TRUE(db->insert({row("glm", "zai/GLM-4.6", 4000, 1, 1, 0, 200, 5, "s-1")}));
  EXPECT_EQ(times_of(*db->rows(q)), (std::vector<std::int64_t>{2000, 3000, 4000}));
}

}  // namespace
}  // namespace ccproxy::usage
