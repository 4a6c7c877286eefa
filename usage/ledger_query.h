#pragma once
// How a RowQuery is read from the ledger: its profile and session turned into ids, the first
// row id its time range can start at (through spans), the SQL that selects its rows, and the
// texts of the ids those rows hold. For ledger_db.cc; SQLite stays inside usage/.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/result.h"
#include "usage/ledger_db.h"
#include "usage/sqlite_statement.h"

namespace ccproxy::usage::query {

using sql::message_of;
using sql::Statement;

/// The smallest id a row at or after `since_ms` can have: the first span whose running
/// largest time reaches it (every row before that span is older). INT64_MAX: none can.
Result<std::int64_t> first_id_since(sqlite3* db, std::int64_t since_ms);

/// A query with its texts turned into ids: `none` when a profile or session it names is not
/// in the file (so nothing matches).
struct Resolved {
  bool none = false;
  std::int64_t from_id = 0;
  std::optional<std::int64_t> profile;
  std::optional<std::int64_t> session;
};

Result<Resolved> resolve(sqlite3* db, const RowQuery& q);

/// " FROM ... WHERE ..." for a resolved query (request_log r): a session's rows are read from
/// the batches it has rows in (session_spans ss), others from the first one the time range can
/// start at.
std::string from_where(const RowQuery& q, const Resolved& r);

void bind_query(Statement& s, const RowQuery& q, const Resolved& r);

/// Runs "SELECT `columns`" from the rows the query selects, then `tail`, and calls `each` with
/// every result until it returns false.
template <typename Each>
Result<void> for_each_row(sqlite3* db, const char* columns, const char* tail, const RowQuery& q,
                          Each each) {
  auto resolved = resolve(db, q);
  if (!resolved) {
    return fail(resolved.error());
  }
  if (resolved->none) {
    return {};
  }
  Statement s(db, ("SELECT " + std::string(columns) + from_where(q, *resolved) + tail).c_str());
  if (!s.ok()) {
    return fail(message_of(db));
  }
  bind_query(s, q, *resolved);
  int rc = 0;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    if (!each(s)) {
      return {};  // the caller has what it needs, or an error of its own
    }
  }
  if (rc != SQLITE_DONE) {
    return fail(message_of(db));
  }
  return {};
}

/// The texts of names or sessions by id, each looked up once (a ledger has a few dozen names,
/// and a session's rows come in runs).
class TextsById {
 public:
  /// `sql` selects the text of id ?1; `what` names it in errors. With `missing_is_empty`, an
  /// id without a row reads as "" (a session removed, as the view's LEFT JOIN shows it).
  TextsById(sqlite3* db, const char* sql, const char* what, bool missing_is_empty)
      : db_(db), lookup_(db, sql), what_(what), missing_is_empty_(missing_is_empty) {}

  Result<const std::string*> get(std::int64_t id);

 private:
  sqlite3* db_;
  Statement lookup_;
  std::string what_;
  bool missing_is_empty_;
  std::unordered_map<std::int64_t, std::string> cache_;
};

}  // namespace ccproxy::usage::query
