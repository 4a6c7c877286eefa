#include "usage/ledger_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "usage/ledger_query.h"
#include "usage/ledger_schema.h"
#include "usage/sqlite_statement.h"

namespace ccproxy::usage {
namespace {

using query::first_id_since;
using query::for_each_row;
using query::TextsById;
using sql::exec;
using sql::message_of;
using sql::single_int;
using sql::Statement;

constexpr int kSchemaBusyTimeoutMs = 60'000;

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

}  // namespace

/// Ids of the names and sessions this connection has seen in the file, so that a row's texts
/// cost a comparison with the previous row's (or a hash lookup), not a query. Entries made in
/// a transaction that rolls back may not exist in the file: every failure forgets them all.
struct LedgerDb::Ids {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>>;
  static constexpr std::size_t kMaxCached = 4096;  // then the map starts over

  struct Last {
    std::string text;
    std::int64_t id = 0;  // 0: none yet
  };
  enum Field { profile, upstream, model, client_model, session, fields };

  /// A session of the batch being written and the times of its rows in it.
  struct Touched {
    std::int64_t id, first_ms, last_ms;
  };

  Map names;
  Map sessions;
  std::array<Last, fields> last;
  std::vector<Touched> touched;
  /// The writer's statements, prepared together on the first insert and kept.
  struct Statements {
    explicit Statements(sqlite3* db);
    bool ok() const;
    Statement insert_one, insert_many, add_name, find_name, add_session, find_session,
        widen_session, max_id, last_span, add_span, add_session_span;
  };
  std::unique_ptr<Statements> statements;

  void forget() {
    names.clear();
    sessions.clear();
    last = {};
  }
};

void LedgerDb::Close::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

LedgerDb::LedgerDb(sqlite3* db) : db_(db), ids_(std::make_unique<Ids>()) {}
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
  // Another process may be rewriting a large version 1 ledger (seconds): wait for it longer
  // than for a batch.
  sqlite3_busy_timeout(raw, std::max(busy_timeout_ms, kSchemaBusyTimeoutMs));
  if (auto r = ensure_schema(raw, mode == Mode::create); !r) {
    return fail(where + ": " + r.error());
  }
  sqlite3_busy_timeout(raw, busy_timeout_ms);
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
      "INSERT INTO request_log (time_ms, profile, upstream, model, client_model, session, "
      "stream, status, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, "
      "latency_ms, ttfb_ms) VALUES ";
  for (int r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ",(";
    for (int c = 0; c < kColumns; ++c) {
      sql += c == 0 ? "?" : ",?";
    }
    sql += ")";
  }
  return sql;
}

/// The ids of one row's texts (session 0: none).
struct RowIds {
  std::int64_t profile, upstream, model, client_model, session;
};

/// Binds `row` to parameters first+1 .. first+kColumns of `s`.
void bind_row(sqlite3_stmt* s, int first, const UsageRowRef& row, const RowIds& ids) {
  sqlite3_bind_int64(s, first + 1, row.time_ms);
  sqlite3_bind_int64(s, first + 2, ids.profile);
  sqlite3_bind_int64(s, first + 3, ids.upstream);
  sqlite3_bind_int64(s, first + 4, ids.model);
  sqlite3_bind_int64(s, first + 5, ids.client_model);
  if (ids.session == 0) {
    sqlite3_bind_null(s, first + 6);
  } else {
    sqlite3_bind_int64(s, first + 6, ids.session);
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

/// The id `text` has in names or sessions, adding it when missing (with `add`, then `find`);
/// inside the writer's transaction. A new session starts with first_ms = last_ms = time_ms.
Result<std::int64_t> add_or_find(sqlite3* db, std::string_view text, std::int64_t time_ms,
                                 Statement& add, Statement& find) {
  add.reset();
  add.text(1, text);
  if (sqlite3_bind_parameter_count(add.get()) == 2) {
    add.integer(2, time_ms);
  }
  if (sqlite3_step(add.get()) != SQLITE_DONE) {
    return fail(message_of(db));
  }
  find.reset();
  find.text(1, text);
  auto id = single_int(db, find, 0);
  if (id && *id == 0) {
    return fail("'" + std::string(text) + "' was added but is not found");
  }
  return id;
}

}  // namespace

LedgerDb::Ids::Statements::Statements(sqlite3* db)
    : insert_one(db, insert_sql(1).c_str(), SQLITE_PREPARE_PERSISTENT),
      insert_many(db, insert_sql(kRowsPerInsert).c_str(), SQLITE_PREPARE_PERSISTENT),
      add_name(db, "INSERT INTO names(name) VALUES (?1) ON CONFLICT(name) DO NOTHING"),
      find_name(db, "SELECT id FROM names WHERE name = ?1"),
      add_session(db,
                  "INSERT INTO sessions(uuid, first_ms, last_ms) VALUES (?1, ?2, ?2) "
                  "ON CONFLICT(uuid) DO NOTHING"),
      find_session(db, "SELECT id FROM sessions WHERE uuid = ?1"),
      widen_session(db,
                    "UPDATE sessions SET first_ms = min(first_ms, ?2), "
                    "last_ms = max(last_ms, ?3) WHERE id = ?1"),
      max_id(db, "SELECT max(id) FROM request_log"),
      last_span(db, "SELECT first_id, max_ms FROM spans ORDER BY first_id DESC LIMIT 1"),
      add_span(db, "INSERT INTO spans(first_id, last_id, max_ms) VALUES (?1, ?2, ?3)"),
      add_session_span(
          db, "INSERT INTO session_spans(session, first_id, last_id) VALUES (?1, ?2, ?3)") {}

bool LedgerDb::Ids::Statements::ok() const {
  for (const Statement* s :
       {&insert_one, &insert_many, &add_name, &find_name, &add_session, &find_session,
        &widen_session, &max_id, &last_span, &add_span, &add_session_span}) {
    if (!s->ok()) {
      return false;
    }
  }
  return true;
}

Result<std::int64_t> LedgerDb::id_of(int field, std::string_view text, std::int64_t time_ms) {
  Ids& ids = *ids_;
  Ids::Last& last = ids.last[static_cast<std::size_t>(field)];
  if (last.id != 0 && last.text == text) {
    return last.id;
  }
  const bool session = field == Ids::session;
  Ids::Map& map = session ? ids.sessions : ids.names;
  std::int64_t id = 0;
  if (auto it = map.find(text); it != map.end()) {
    id = it->second;
  } else {
    Ids::Statements& st = *ids.statements;
    auto found = session ? add_or_find(db_.get(), text, time_ms, st.add_session, st.find_session)
                         : add_or_find(db_.get(), text, time_ms, st.add_name, st.find_name);
    if (!found) {
      return found;
    }
    id = *found;
    if (map.size() >= Ids::kMaxCached) {
      map.clear();
    }
    map.emplace(std::string(text), id);
  }
  last.text.assign(text);
  last.id = id;
  return id;
}

Result<void> LedgerDb::insert(const RowBatch& rows) {
  if (rows.empty()) {
    return {};
  }
  sqlite3* db = db_.get();
  if (!ids_->statements) {
    auto made = std::make_unique<Ids::Statements>(db);
    if (!made->ok()) {
      return fail(message_of(db));
    }
    ids_->statements = std::move(made);
  }
  // A session this connection knows may have been removed by retention in another process
  // since: write_rows notices (its row is gone), and the batch is written again without the
  // remembered ids.
  for (int attempt = 0;; ++attempt) {
    if (auto r = exec(db, "BEGIN IMMEDIATE"); !r) {
      return r;
    }
    auto written = write_rows(rows);
    if (written && *written) {
      auto committed = exec(db, "COMMIT");
      if (committed) {
        return committed;
      }
      (void)exec(db, "ROLLBACK");
      ids_->forget();
      return committed;
    }
    (void)exec(db, "ROLLBACK");
    ids_->forget();
    if (!written) {
      return fail(written.error());
    }
    if (attempt == 1) {
      return fail("a session's row was removed while rows were written to it");
    }
  }
}

Result<bool> LedgerDb::write_rows(const RowBatch& rows) {
  sqlite3* db = db_.get();
  Ids& ids = *ids_;
  Ids::Statements& st = *ids.statements;
  auto before = single_int(db, st.max_id, 0);
  if (!before) {
    return fail(before.error());
  }
  // The latest span: its first id, and the largest time written before this batch.
  const auto latest_span = [&]() -> Result<std::pair<std::int64_t, std::int64_t>> {
    std::pair<std::int64_t, std::int64_t> span{0, INT64_MIN};
    const int rc = sqlite3_step(st.last_span.get());
    if (rc == SQLITE_ROW) {
      span = {st.last_span.column_int(0), st.last_span.column_int(1)};
    }
    sqlite3_reset(st.last_span.get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return fail(message_of(db));
    }
    return span;
  };
  auto span = latest_span();
  if (span && span->first > *before) {
    // The newest rows were deleted (by hand, or by retention when they were written late):
    // SQLite gives their ids again, and the spans from there are stale.
    Statement spans(db, "DELETE FROM spans WHERE first_id > ?1");
    Statement session_spans(db, "DELETE FROM session_spans WHERE first_id > ?1");
    for (Statement* stale : {&spans, &session_spans}) {
      if (auto r = stale->ok() ? sql::run(db, *stale, {*before}) : fail(message_of(db)); !r) {
        return fail(r.error());
      }
    }
    span = latest_span();
  }
  if (!span) {
    return fail(span.error());
  }
  const std::int64_t so_far = span->second;
  ids.touched.clear();
  std::int64_t batch_max_ms = INT64_MIN;
  std::size_t i = 0;
  while (i < rows.size()) {
    const bool many = rows.size() - i >= kRowsPerInsert;
    sqlite3_stmt* s = many ? st.insert_many.get() : st.insert_one.get();
    const int n = many ? kRowsPerInsert : 1;
    for (int r = 0; r < n; ++r) {
      const UsageRowRef row = rows[i + std::size_t(r)];
      RowIds row_ids{};
      for (auto [field, text, out] :
           {std::tuple{Ids::profile, row.profile, &row_ids.profile},
            std::tuple{Ids::upstream, row.upstream, &row_ids.upstream},
            std::tuple{Ids::model, row.model, &row_ids.model},
            std::tuple{Ids::client_model, row.client_model, &row_ids.client_model}}) {
        auto id = id_of(field, text, row.time_ms);
        if (!id) {
          return fail(id.error());
        }
        *out = *id;
      }
      if (!row.session.empty()) {
        auto id = id_of(Ids::session, row.session, row.time_ms);
        if (!id) {
          return fail(id.error());
        }
        row_ids.session = *id;
        auto t = std::find_if(ids.touched.begin(), ids.touched.end(),
                              [&](const Ids::Touched& x) { return x.id == *id; });
        if (t == ids.touched.end()) {
          ids.touched.push_back({*id, row.time_ms, row.time_ms});
        } else {
          t->first_ms = std::min(t->first_ms, row.time_ms);
          t->last_ms = std::max(t->last_ms, row.time_ms);
        }
      }
      batch_max_ms = std::max(batch_max_ms, row.time_ms);
      bind_row(s, r * kColumns, row, row_ids);
    }
    i += std::size_t(n);
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);  // every parameter is bound again for the next rows (numbers only)
    if (rc != SQLITE_DONE) {
      return fail(message_of(db));
    }
  }
  // The batch's span: its ids (new rows take the largest id + 1, in turn) and the largest
  // time written so far.
  const std::int64_t first_id = *before + 1;
  const std::int64_t last_id = sqlite3_last_insert_rowid(db);
  if (auto r = sql::run(db, st.add_span, {first_id, last_id, std::max(so_far, batch_max_ms)}); !r) {
    return fail(r.error());
  }
  for (const Ids::Touched& t : ids.touched) {
    if (auto r = sql::run(db, st.add_session_span, {t.id, first_id, last_id}); !r) {
      return fail(r.error());
    }
    if (auto r = sql::run(db, st.widen_session, {t.id, t.first_ms, t.last_ms}); !r) {
      return fail(r.error());
    }
    if (sqlite3_changes(db) != 1) {
      return false;  // removed meanwhile
    }
  }
  return true;
}

Result<std::int64_t> LedgerDb::remove_before(std::int64_t before_ms, bool dry_run) {
  sqlite3* db = db_.get();
  if (auto r = exec(db, dry_run ? "BEGIN" : "BEGIN IMMEDIATE"); !r) {
    return fail(r.error());
  }
  auto removed = [&]() -> Result<std::int64_t> {
    auto from = first_id_since(db, before_ms);
    if (!from) {
      return from;
    }
    // Every row before `from` is older; after it only a row written late can be.
    Statement s(db, dry_run ? "SELECT (SELECT count(*) FROM request_log WHERE id < ?1) + "
                              "(SELECT count(*) FROM request_log WHERE id >= ?1 AND time_ms < ?2)"
                            : "DELETE FROM request_log WHERE id < ?1 OR time_ms < ?2");
    if (!s.ok()) {
      return fail(message_of(db));
    }
    s.integer(1, *from);
    s.integer(2, before_ms);
    if (dry_run) {
      return single_int(db, s, 0);
    }
    if (sqlite3_step(s.get()) != SQLITE_DONE) {
      return fail(message_of(db));
    }
    const std::int64_t n = sqlite3_changes(db);
    Statement spans(db, "DELETE FROM spans WHERE first_id < ?1");
    Statement session_spans(db, "DELETE FROM session_spans WHERE last_id < ?1");
    Statement sessions(db, "DELETE FROM sessions WHERE last_ms < ?1");
    for (auto [stmt, bound] : {std::pair{&spans, *from}, std::pair{&session_spans, *from},
                               std::pair{&sessions, before_ms}}) {
      if (auto r = stmt->ok() ? sql::run(db, *stmt, {bound}) : fail(message_of(db)); !r) {
        return fail(r.error());
      }
    }
    ids_->forget();  // a session may be gone
    return n;
  }();
  if (!removed) {
    (void)exec(db, "ROLLBACK");
    return removed;
  }
  if (auto r = exec(db, dry_run ? "ROLLBACK" : "COMMIT"); !r) {
    (void)exec(db, "ROLLBACK");
    return fail(r.error());
  }
  return removed;
}

Result<void> LedgerDb::for_each(const RowQuery& q,
                                const std::function<void(const UsageRow&)>& each) {
  sqlite3* db = db_.get();
  // One snapshot for the rows and the texts their ids name (retention may remove a session).
  // Nothing is written in it: it always ends with a ROLLBACK, whatever happens.
  if (auto r = exec(db, "BEGIN"); !r) {
    return r;
  }
  struct EndRead {
    sqlite3* db;
    ~EndRead() { (void)exec(db, "ROLLBACK"); }
  } end_read{db};
  TextsById names(db, "SELECT name FROM names WHERE id = ?1", "name", false);
  TextsById sessions(db, "SELECT uuid FROM sessions WHERE id = ?1", "session", true);
  std::string error;
  UsageRow row;  // reused: its strings keep their capacity
  auto read = for_each_row(
      db,
      "r.time_ms, r.profile, r.upstream, r.model, r.client_model, r.session, r.stream, r.status, "
      "r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens, "
      "r.latency_ms, r.ttfb_ms",
      " ORDER BY r.id", q, [&](const Statement& s) {
        for (auto [column, text] : {std::pair{1, &row.profile}, std::pair{2, &row.upstream},
                                    std::pair{3, &row.model}, std::pair{4, &row.client_model}}) {
          auto name = names.get(s.column_int(column));
          if (!name) {
            error = name.error();
            return false;
          }
          *text = **name;
        }
        row.session.clear();
        if (sqlite3_column_type(s.get(), 5) != SQLITE_NULL) {
          auto session = sessions.get(s.column_int(5));
          if (!session) {
            error = session.error();
            return false;
          }
          row.session = **session;
        }
        row.time_ms = s.column_int(0);
        row.stream = s.column_int(6) != 0;
        row.status = static_cast<int>(s.column_int(7));
        row.input_tokens = s.column_int(8);
        row.output_tokens = s.column_int(9);
        row.cache_read_tokens = s.column_int(10);
        row.cache_write_tokens = s.column_int(11);
        row.latency_ms = s.column_int(12);
        row.ttfb_ms = sqlite3_column_type(s.get(), 13) == SQLITE_NULL ? -1 : s.column_int(13);
        each(row);
        return true;
      });
  if (!read) {
    return read;
  }
  if (!error.empty()) {
    return fail(error);
  }
  return {};
}

Result<std::vector<UsageRow>> LedgerDb::rows(const RowQuery& q) {
  std::vector<UsageRow> out;
  auto read = for_each(q, [&out](const UsageRow& r) { out.push_back(r); });
  if (!read) {
    return fail(read.error());
  }
  // Written order is nearly time order; a row written late moves to its place.
  std::stable_sort(out.begin(), out.end(),
                   [](const UsageRow& a, const UsageRow& b) { return a.time_ms < b.time_ms; });
  return out;
}

Result<std::vector<UsageRow>> LedgerDb::sums_by_model(const RowQuery& q) {
  // Summed here rather than by SQL's GROUP BY, which sends every row through a temporary
  // b-tree: the rows of a day or a session fall in a handful of (profile, model) groups.
  struct Group {
    std::int64_t profile, model;
    UsageRow sums;
  };
  std::vector<Group> groups;
  sqlite3* db = db_.get();
  auto read = for_each_row(db,
                           "r.time_ms, r.profile, r.model, r.input_tokens, r.output_tokens, "
                           "r.cache_read_tokens, r.cache_write_tokens, r.latency_ms",
                           "", q, [&groups](const Statement& s) {
                             const std::int64_t profile = s.column_int(1);
                             const std::int64_t model = s.column_int(2);
                             auto g =
                                 std::find_if(groups.begin(), groups.end(), [&](const Group& x) {
                                   return x.profile == profile && x.model == model;
                                 });
                             if (g == groups.end()) {
                               g = groups.insert(groups.end(), Group{profile, model, {}});
                               g->sums.time_ms = INT64_MIN;
                             }
                             UsageRow& sum = g->sums;
                             sum.time_ms = std::max(sum.time_ms, s.column_int(0));
                             sum.input_tokens += s.column_int(3);
                             sum.output_tokens += s.column_int(4);
                             sum.cache_read_tokens += s.column_int(5);
                             sum.cache_write_tokens += s.column_int(6);
                             sum.latency_ms += s.column_int(7);
                             return true;
                           });
  if (!read) {
    return fail(read.error());
  }
  TextsById names(db, "SELECT name FROM names WHERE id = ?1", "name", false);
  std::vector<UsageRow> out;
  for (Group& g : groups) {
    auto profile = names.get(g.profile);
    auto model = profile ? names.get(g.model) : profile;
    if (!model) {
      return fail(model.error());
    }
    g.sums.profile = **profile;
    g.sums.model = **model;
    out.push_back(std::move(g.sums));
  }
  return out;
}

}  // namespace ccproxy::usage
