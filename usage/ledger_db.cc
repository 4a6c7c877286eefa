#include "usage/ledger_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ccproxy::usage {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS requests ("
    " id INTEGER PRIMARY KEY,"
    " time_ms INTEGER NOT NULL,"
    " profile TEXT NOT NULL,"
    " upstream TEXT NOT NULL,"
    " model TEXT NOT NULL,"
    " client_model TEXT NOT NULL,"
    " session TEXT,"
    " stream INTEGER NOT NULL,"
    " status INTEGER NOT NULL,"
    " input_tokens INTEGER NOT NULL,"
    " output_tokens INTEGER NOT NULL,"
    " cache_read_tokens INTEGER NOT NULL,"
    " cache_write_tokens INTEGER NOT NULL,"
    " latency_ms INTEGER NOT NULL,"
    " ttfb_ms INTEGER);"
    "CREATE INDEX IF NOT EXISTS requests_time ON requests(time_ms);"
    "CREATE INDEX IF NOT EXISTS requests_session ON requests(session) WHERE session IS NOT NULL;";

std::string message_of(sqlite3* db) {
  return db != nullptr ? sqlite3_errmsg(db) : "out of memory";
}

/// A prepared statement, finalized on every path.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() const { return stmt_; }
  void text(int i, std::string_view s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
  }
  void integer(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  std::string column_text(int i) const {
    const unsigned char* p = sqlite3_column_text(stmt_, i);
    return p != nullptr ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  }
  std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

Result<void> exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err != nullptr ? err : message_of(db);
    sqlite3_free(err);
    return fail(message);
  }
  return {};
}

Result<int> user_version(sqlite3* db) {
  Statement s(db, "PRAGMA user_version");
  if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW) {
    return fail(message_of(db));
  }
  return static_cast<int>(s.column_int(0));
}

/// Creates the file 0600 (never through a symbolic link) when it is missing, so that SQLite,
/// which gives its -wal and -shm files the database's mode, never makes a readable one.
Result<void> create_private(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return {};
  }
  if (errno == EEXIST) {
    struct stat st {};
    if (::lstat(file.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      return fail(file.string() + " is a symbolic link; refusing to use it");
    }
    return {};
  }
  return fail("cannot create " + file.string() + ": " + std::strerror(errno));
}

/// The schema, created once by whichever process comes first (an immediate transaction keeps
/// two workers starting together from both creating it).
Result<void> ensure_schema(sqlite3* db, LedgerDb::Mode mode) {
  auto version = user_version(db);
  if (!version) {
    return fail(version.error());
  }
  if (*version == 0 && mode == LedgerDb::Mode::create) {
    if (auto r = exec(db, "BEGIN IMMEDIATE"); !r) {
      return r;
    }
    auto again = user_version(db);
    Result<void> made;
    if (again && *again == 0) {
      made = exec(db, kSchema);
      if (made) {
        made = exec(db, ("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
      }
    }
    if (!made) {
      (void)exec(db, "ROLLBACK");
      return made;
    }
    return exec(db, "COMMIT");
  }
  if (*version == 0) {
    return fail("it holds no usage ledger yet");
  }
  if (*version > kSchemaVersion) {
    return fail("its schema version " + std::to_string(*version) +
                " is newer than this ccproxy's (" + std::to_string(kSchemaVersion) + ")");
  }
  return {};
}

}  // namespace

void LedgerDb::Close::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

void LedgerDb::Finalize::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

LedgerDb::LedgerDb(sqlite3* db) : db_(db) {}
LedgerDb::LedgerDb(LedgerDb&&) noexcept = default;
LedgerDb& LedgerDb::operator=(LedgerDb&&) noexcept = default;
LedgerDb::~LedgerDb() = default;

Result<LedgerDb> LedgerDb::open(const std::filesystem::path& file, Mode mode, int busy_timeout_ms) {
  // No memory statistics: with them every SQLite allocation takes a global mutex (measured:
  // a tenth of a ledger row's cost). Only possible before SQLite initializes; later it is a
  // no-op that reports SQLITE_MISUSE, which is ignored.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  const std::string where = "usage ledger " + file.string();
  if (mode == Mode::create) {
    if (auto made = create_private(file); !made) {
      return fail(where + ": " + made.error());
    }
  }
  sqlite3* raw = nullptr;
  int rc =
      // NOMUTEX: a LedgerDb is used by one thread at a time (the writer's, or a report's).
      sqlite3_open_v2(file.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, nullptr);
  LedgerDb ledger(raw);
  if (rc != SQLITE_OK) {
    return fail(where + ": " + message_of(raw));
  }
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  // WAL: readers never block the workers' writes, and writes from several workers queue on
  // the busy timeout. NORMAL is durable across a crash of the process in WAL mode.
  if (auto r = exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"); !r) {
    return fail(where + ": " + r.error());
  }
  if (auto r = ensure_schema(raw, mode); !r) {
    return fail(where + ": " + r.error());
  }
  return ledger;
}

Result<void> LedgerDb::insert(const std::vector<UsageRow>& rows) {
  RowBatch batch;
  for (const UsageRow& row : rows) {
    batch.append(UsageRowRef::of(row));
  }
  return insert(batch);
}

namespace {

constexpr int kColumns = 14;

/// "INSERT ... VALUES (?,...),(?,...)" for `rows` rows.
std::string insert_sql(int rows) {
  std::string sql =
      "INSERT INTO requests (time_ms, profile, upstream, model, client_model, session, stream, "
      "status, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, "
      "ttfb_ms) VALUES ";
  for (int r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ",(";
    for (int c = 0; c < kColumns; ++c) {
      sql += c == 0 ? "?" : ",?";
    }
    sql += ")";
  }
  return sql;
}

/// Binds `row` to parameters first+1 .. first+kColumns of `s` (its texts are not copied).
void bind_row(sqlite3_stmt* s, int first, const UsageRowRef& row) {
  const auto text = [s](int i, std::string_view v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  };
  sqlite3_bind_int64(s, first + 1, row.time_ms);
  text(first + 2, row.profile);
  text(first + 3, row.upstream);
  text(first + 4, row.model);
  text(first + 5, row.client_model);
  if (row.session.empty()) {
    sqlite3_bind_null(s, first + 6);
  } else {
    text(first + 6, row.session);
  }
  sqlite3_bind_int64(s, first + 7, row.stream ? 1 : 0);
  sqlite3_bind_int64(s, first + 8, row.status);
  sqlite3_bind_int64(s, first + 9, row.input_tokens);
  sqlite3_bind_int64(s, first + 10, row.output_tokens);
  sqlite3_bind_int64(s, first + 11, row.cache_read_tokens);
  sqlite3_bind_int64(s, first + 12, row.cache_write_tokens);
  sqlite3_bind_int64(s, first + 13, row.latency_ms);
  if (row.ttfb_ms >= 0) {
    sqlite3_bind_int64(s, first + 14, row.ttfb_ms);
  } else {
    sqlite3_bind_null(s, first + 14);
  }
}

}  // namespace

Result<void> LedgerDb::insert(const RowBatch& rows) {
  sqlite3* db = db_.get();
  // Rows go in kRowsPerInsert to a statement (less of SQLite's per-statement work per row),
  // the rest one by one. Both statements are prepared once.
  for (auto [stmt, n] : {std::pair{&insert_many_, kRowsPerInsert}, std::pair{&insert_, 1}}) {
    if (*stmt) {
      continue;
    }
    sqlite3_stmt* made = nullptr;
    if (sqlite3_prepare_v3(db, insert_sql(n).c_str(), -1, SQLITE_PREPARE_PERSISTENT, &made,
                           nullptr) != SQLITE_OK) {
      sqlite3_finalize(made);
      return fail(message_of(db));
    }
    stmt->reset(made);
  }
  if (auto r = exec(db, "BEGIN IMMEDIATE"); !r) {
    return r;
  }
  std::size_t i = 0;
  while (i < rows.size()) {
    const bool many = rows.size() - i >= kRowsPerInsert;
    sqlite3_stmt* s = many ? insert_many_.get() : insert_.get();
    const int n = many ? kRowsPerInsert : 1;
    for (int r = 0; r < n; ++r) {
      bind_row(s, r * kColumns, rows[i + std::size_t(r)]);
    }
    i += std::size_t(n);
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);  // no view into `rows` is kept past this call
    if (rc != SQLITE_DONE) {
      std::string message = message_of(db);
      (void)exec(db, "ROLLBACK");
      return fail(message);
    }
  }
  if (auto r = exec(db, "COMMIT"); !r) {
    (void)exec(db, "ROLLBACK");
    return r;
  }
  return {};
}

Result<std::int64_t> LedgerDb::remove_before(std::int64_t before_ms, bool dry_run) {
  sqlite3* db = db_.get();
  Statement s(db, dry_run ? "SELECT count(*) FROM requests WHERE time_ms < ?"
                          : "DELETE FROM requests WHERE time_ms < ?");
  if (!s.ok()) {
    return fail(message_of(db));
  }
  s.integer(1, before_ms);
  const int rc = sqlite3_step(s.get());
  if (dry_run) {
    if (rc != SQLITE_ROW) {
      return fail(message_of(db));
    }
    return s.column_int(0);
  }
  if (rc != SQLITE_DONE) {
    return fail(message_of(db));
  }
  return static_cast<std::int64_t>(sqlite3_changes(db));
}

namespace {

/// " WHERE ..." for a query (only the conditions it sets, so that the planner picks the
/// session or time index that fits), with its parameters bound by bind_query.
std::string where_of(const RowQuery& q) {
  std::string sql = " WHERE 1";
  if (q.since_ms > 0) {
    sql += " AND time_ms >= ?1";
  }
  if (q.until_ms != INT64_MAX) {
    sql += " AND time_ms < ?2";
  }
  if (q.profile) {
    sql += " AND profile = ?3";
  }
  if (q.session) {
    sql += " AND session = ?4";
  }
  return sql;
}

void bind_query(Statement& s, const RowQuery& q) {
  if (q.since_ms > 0) {
    s.integer(1, q.since_ms);
  }
  if (q.until_ms != INT64_MAX) {
    s.integer(2, q.until_ms);
  }
  if (q.profile) {
    s.text(3, *q.profile);
  }
  if (q.session) {
    s.text(4, *q.session);
  }
}

}  // namespace

namespace {

/// Runs `sql` (a SELECT with the query's WHERE) and makes a row of each result with `read`.
template <typename Read>
Result<std::vector<UsageRow>> select_rows(sqlite3* db, const std::string& sql, const RowQuery& q,
                                          Read read) {
  Statement s(db, sql.c_str());
  if (!s.ok()) {
    return fail(message_of(db));
  }
  bind_query(s, q);
  std::vector<UsageRow> out;
  int rc = 0;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    out.push_back(read(s));
  }
  if (rc != SQLITE_DONE) {
    return fail(message_of(db));
  }
  return out;
}

}  // namespace

Result<std::vector<UsageRow>> LedgerDb::rows(const RowQuery& q) {
  const std::string sql =
      "SELECT time_ms, profile, upstream, model, client_model, session, stream, status, "
      "input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, ttfb_ms "
      "FROM requests" +
      where_of(q) + " ORDER BY time_ms";
  return select_rows(db_.get(), sql, q, [](const Statement& s) {
    UsageRow r;
    r.time_ms = s.column_int(0);
    r.profile = s.column_text(1);
    r.upstream = s.column_text(2);
    r.model = s.column_text(3);
    r.client_model = s.column_text(4);
    r.session = s.column_text(5);
    r.stream = s.column_int(6) != 0;
    r.status = static_cast<int>(s.column_int(7));
    r.input_tokens = s.column_int(8);
    r.output_tokens = s.column_int(9);
    r.cache_read_tokens = s.column_int(10);
    r.cache_write_tokens = s.column_int(11);
    r.latency_ms = s.column_int(12);
    r.ttfb_ms = sqlite3_column_type(s.get(), 13) == SQLITE_NULL ? -1 : s.column_int(13);
    return r;
  });
}

Result<std::vector<UsageRow>> LedgerDb::sums_by_model(const RowQuery& q) {
  const std::string sql =
      "SELECT MAX(time_ms), profile, model, SUM(input_tokens), SUM(output_tokens), "
      "SUM(cache_read_tokens), SUM(cache_write_tokens), SUM(latency_ms) FROM requests" +
      where_of(q) + " GROUP BY profile, model";
  return select_rows(db_.get(), sql, q, [](const Statement& s) {
    UsageRow r;
    r.time_ms = s.column_int(0);
    r.profile = s.column_text(1);
    r.model = s.column_text(2);
    r.input_tokens = s.column_int(3);
    r.output_tokens = s.column_int(4);
    r.cache_read_tokens = s.column_int(5);
    r.cache_write_tokens = s.column_int(6);
    r.latency_ms = s.column_int(7);
    return r;
  });
}

}  // namespace ccproxy::usage
