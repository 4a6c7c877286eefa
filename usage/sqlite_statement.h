#pragma once
// The ledger's few SQLite helpers, for the usage/ sources that talk to SQLite (ledger_db,
// ledger_query, ledger_schema): a prepared statement that is always finalized, running SQL
// text, reading one number. Not included by anything outside usage/.

#include <sqlite3.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ccproxy::usage::sql {

inline std::string message_of(sqlite3* db) {
  return db != nullptr ? sqlite3_errmsg(db) : "out of memory";
}

/// A prepared statement, finalized on every path.
class Statement {
 public:
  /// `prepare_flags`: SQLITE_PREPARE_PERSISTENT for a statement kept and run many times.
  Statement(sqlite3* db, const char* sql, unsigned prepare_flags = 0) {
    rc_ = sqlite3_prepare_v3(db, sql, -1, prepare_flags, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() const { return stmt_; }
  /// Ready to run again, every parameter unbound.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
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

inline Result<void> exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err != nullptr ? err : message_of(db);
    sqlite3_free(err);
    return fail(message);
  }
  return {};
}

/// Runs `s` (its parameters bound); the first column of its row, or `none` without one.
inline Result<std::int64_t> single_int(sqlite3* db, Statement& s, std::int64_t none) {
  const int rc = sqlite3_step(s.get());
  std::int64_t v = none;
  if (rc == SQLITE_ROW) {
    v = sqlite3_column_type(s.get(), 0) == SQLITE_NULL ? none : s.column_int(0);
  } else if (rc != SQLITE_DONE) {
    return fail(message_of(db));
  }
  sqlite3_reset(s.get());
  return v;
}

/// Binds `values` to `s`'s parameters 1, 2, ... and runs it (an INSERT, UPDATE or DELETE).
inline Result<void> run(sqlite3* db, Statement& s, std::initializer_list<std::int64_t> values) {
  s.reset();
  int i = 0;
  for (std::int64_t v : values) {
    s.integer(++i, v);
  }
  if (sqlite3_step(s.get()) != SQLITE_DONE) {
    return fail(message_of(db));
  }
  return {};
}

}  // namespace ccproxy::usage::sql
