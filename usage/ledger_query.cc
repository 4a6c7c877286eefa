#include "usage/ledger_query.h"

#include <algorithm>

namespace ccproxy::usage::query {

using sql::single_int;

Result<std::int64_t> first_id_since(sqlite3* db, std::int64_t since_ms) {
  if (since_ms <= 0) {
    return std::int64_t{0};
  }
  Statement s(db,
              "SELECT first_id FROM spans WHERE max_ms >= ?1 ORDER BY max_ms, first_id LIMIT 1");
  if (!s.ok()) {
    return fail(message_of(db));
  }
  s.integer(1, since_ms);
  return single_int(db, s, INT64_MAX);
}

Result<Resolved> resolve(sqlite3* db, const RowQuery& q) {
  Resolved r;
  std::int64_t since = q.since_ms;
  if (q.profile) {
    Statement s(db, "SELECT id FROM names WHERE name = ?1");
    s.text(1, *q.profile);
    auto id = s.ok() ? single_int(db, s, 0) : fail(message_of(db));
    if (!id) {
      return fail(id.error());
    }
    r.none = *id == 0;
    r.profile = *id;
  }
  if (q.session && !r.none) {
    Statement s(db, "SELECT id, first_ms FROM sessions WHERE uuid = ?1");
    if (!s.ok()) {
      return fail(message_of(db));
    }
    s.text(1, *q.session);
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) {
      r.session = s.column_int(0);
      since = std::max(since, s.column_int(1));  // none of its rows is older
    } else if (rc == SQLITE_DONE) {
      r.none = true;
    } else {
      return fail(message_of(db));
    }
  }
  if (!r.none) {
    auto from = first_id_since(db, since);
    if (!from) {
      return fail(from.error());
    }
    r.from_id = *from;
    r.none = *from == INT64_MAX;
  }
  return r;
}

std::string from_where(const RowQuery& q, const Resolved& r) {
  std::string sql = r.session ? " FROM session_spans ss CROSS JOIN request_log r"
                                " ON r.id BETWEEN ss.first_id AND ss.last_id"
                              : " FROM request_log r";
  sql +=
      r.session ? " WHERE ss.session = ?4 AND ss.last_id >= ?5 AND r.session = ?4 AND" : " WHERE";
  sql += " r.id >= ?5";
  if (q.since_ms > 0) {
    sql += " AND r.time_ms >= ?1";
  }
  if (q.until_ms != INT64_MAX) {
    sql += " AND r.time_ms < ?2";
  }
  if (r.profile) {
    sql += " AND r.profile = ?3";
  }
  return sql;
}

void bind_query(Statement& s, const RowQuery& q, const Resolved& r) {
  s.integer(5, r.from_id);
  if (q.since_ms > 0) {
    s.integer(1, q.since_ms);
  }
  if (q.until_ms != INT64_MAX) {
    s.integer(2, q.until_ms);
  }
  if (r.profile) {
    s.integer(3, *r.profile);
  }
  if (r.session) {
    s.integer(4, *r.session);
  }
}

Result<const std::string*> TextsById::get(std::int64_t id) {
  if (auto it = cache_.find(id); it != cache_.end()) {
    return &it->second;
  }
  lookup_.reset();
  lookup_.integer(1, id);
  const int rc = lookup_.ok() ? sqlite3_step(lookup_.get()) : SQLITE_ERROR;
  if (rc == SQLITE_ROW || (rc == SQLITE_DONE && missing_is_empty_)) {
    return &cache_.emplace(id, rc == SQLITE_ROW ? lookup_.column_text(0) : "").first->second;
  }
  return fail(rc == SQLITE_DONE ? "no " + what_ + " with id " + std::to_string(id)
                                : message_of(db_));
}

}  // namespace ccproxy::usage::query
