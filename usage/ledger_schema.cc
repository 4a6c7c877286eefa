#include "usage/ledger_schema.h"

#include <string>

#include "usage/sqlite_statement.h"

namespace ccproxy::usage {
namespace {

using sql::exec;
using sql::message_of;
using sql::Statement;

// Version 2. A request's row holds numbers only: its texts are ids into `names` (profile,
// upstream and model names) and `sessions`, and it has no index but its id. The id order is
// the order rows were written, which is nearly time order; `spans` records, per written batch,
// its ids and the largest time written so far, which only grows along the ids, so the first
// row that can be at or after a time is one indexed lookup away (a block range index).
// `session_spans` records the batches each session has rows in, so that a session's rows are
// read from those alone. Each row thus costs SQLite about half the work of version 1's text
// row with two index entries; the spans cost a few rows per batch.
// The view `requests` shows the rows with their texts, under version 1's column names.
constexpr const char* kSchema =
    "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE sessions (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
    " first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL);"
    "CREATE TABLE request_log ("
    " id INTEGER PRIMARY KEY,"
    " time_ms INTEGER,"
    " profile INTEGER REFERENCES names,"
    " upstream INTEGER REFERENCES names,"
    " model INTEGER REFERENCES names,"
    " client_model INTEGER REFERENCES names,"
    " session INTEGER REFERENCES sessions,"
    " stream INTEGER,"
    " status INTEGER,"
    " input_tokens INTEGER,"
    " output_tokens INTEGER,"
    " cache_read_tokens INTEGER,"
    " cache_write_tokens INTEGER,"
    " latency_ms INTEGER,"
    " ttfb_ms INTEGER);"
    "CREATE TABLE spans (first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL,"
    " max_ms INTEGER NOT NULL);"
    "CREATE INDEX spans_max ON spans(max_ms, first_id);"
    "CREATE TABLE session_spans (session INTEGER NOT NULL, first_id INTEGER NOT NULL,"
    " last_id INTEGER NOT NULL, PRIMARY KEY (session, first_id)) WITHOUT ROWID;"
    "CREATE VIEW requests AS SELECT r.id AS id, r.time_ms AS time_ms, p.name AS profile,"
    " u.name AS upstream, m.name AS model, c.name AS client_model, s.uuid AS session,"
    " r.stream AS stream, r.status AS status, r.input_tokens AS input_tokens,"
    " r.output_tokens AS output_tokens, r.cache_read_tokens AS cache_read_tokens,"
    " r.cache_write_tokens AS cache_write_tokens, r.latency_ms AS latency_ms,"
    " r.ttfb_ms AS ttfb_ms"
    " FROM request_log r CROSS JOIN names p ON p.id = r.profile"
    " CROSS JOIN names u ON u.id = r.upstream CROSS JOIN names m ON m.id = r.model"
    " CROSS JOIN names c ON c.id = r.client_model LEFT JOIN sessions s ON s.id = r.session;"
    // Rows inserted or deleted through the view by hand (an import, a correction) are kept
    // like the writer's, spans included.
    "CREATE TRIGGER requests_insert INSTEAD OF INSERT ON requests BEGIN"
    " INSERT INTO names(name) VALUES (NEW.profile), (NEW.upstream), (NEW.model),"
    " (NEW.client_model) ON CONFLICT(name) DO NOTHING;"
    " INSERT INTO sessions(uuid, first_ms, last_ms) SELECT NEW.session, NEW.time_ms,"
    " NEW.time_ms WHERE NEW.session IS NOT NULL ON CONFLICT(uuid) DO UPDATE SET"
    " first_ms = min(first_ms, excluded.first_ms), last_ms = max(last_ms, excluded.last_ms);"
    " INSERT INTO request_log(time_ms, profile, upstream, model, client_model, session, stream,"
    " status, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, latency_ms,"
    " ttfb_ms) VALUES (NEW.time_ms, (SELECT id FROM names WHERE name = NEW.profile),"
    " (SELECT id FROM names WHERE name = NEW.upstream),"
    " (SELECT id FROM names WHERE name = NEW.model),"
    " (SELECT id FROM names WHERE name = NEW.client_model),"
    " (SELECT id FROM sessions WHERE uuid = NEW.session), NEW.stream, NEW.status,"
    " NEW.input_tokens, NEW.output_tokens, NEW.cache_read_tokens, NEW.cache_write_tokens,"
    " NEW.latency_ms, NEW.ttfb_ms);"
    // Ids of deleted newest rows are given again: spans starting there are stale.
    " DELETE FROM session_spans WHERE first_id >= last_insert_rowid() AND"
    " EXISTS (SELECT 1 FROM spans WHERE first_id >= last_insert_rowid());"
    " DELETE FROM spans WHERE first_id >= last_insert_rowid();"
    " INSERT INTO spans(first_id, last_id, max_ms) VALUES (last_insert_rowid(),"
    " last_insert_rowid(), max(NEW.time_ms, ifnull((SELECT max_ms FROM spans"
    " ORDER BY first_id DESC LIMIT 1), NEW.time_ms)));"
    " INSERT INTO session_spans(session, first_id, last_id) SELECT id, last_insert_rowid(),"
    " last_insert_rowid() FROM sessions WHERE uuid = NEW.session;"
    " END;"
    "CREATE TRIGGER requests_delete INSTEAD OF DELETE ON requests BEGIN"
    " DELETE FROM request_log WHERE id = OLD.id;"
    " END;";

// Version 1's table, renamed, becomes version 2's rows (in time order), then is dropped.
constexpr const char* kFromVersion1 =
    "ALTER TABLE requests RENAME TO requests_v1;"
    "DROP INDEX IF EXISTS requests_time;"
    "DROP INDEX IF EXISTS requests_session;";
constexpr const char* kCopyVersion1 =
    "INSERT OR IGNORE INTO names(name) SELECT profile FROM requests_v1 UNION"
    " SELECT upstream FROM requests_v1 UNION SELECT model FROM requests_v1 UNION"
    " SELECT client_model FROM requests_v1;"
    "INSERT INTO sessions(uuid, first_ms, last_ms) SELECT session, MIN(time_ms), MAX(time_ms)"
    " FROM requests_v1 WHERE session IS NOT NULL AND session != '' GROUP BY session;"
    "INSERT INTO request_log(time_ms, profile, upstream, model, client_model, session, stream,"
    " status, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, latency_ms,"
    " ttfb_ms) SELECT v.time_ms, p.id, u.id, m.id, c.id, s.id, v.stream, v.status,"
    " v.input_tokens, v.output_tokens, v.cache_read_tokens, v.cache_write_tokens, v.latency_ms,"
    " v.ttfb_ms FROM requests_v1 v JOIN names p ON p.name = v.profile"
    " JOIN names u ON u.name = v.upstream JOIN names m ON m.name = v.model"
    " JOIN names c ON c.name = v.client_model LEFT JOIN sessions s ON s.uuid = v.session"
    " ORDER BY v.time_ms, v.id;"
    // Sorted by time, so each block's largest time is also the largest so far.
    "INSERT INTO spans(first_id, last_id, max_ms) SELECT MIN(id), MAX(id), MAX(time_ms)"
    " FROM request_log GROUP BY id / 4096;"
    "INSERT INTO session_spans(session, first_id, last_id) SELECT session, MIN(id), MAX(id)"
    " FROM request_log WHERE session IS NOT NULL GROUP BY session, id / 4096;"
    "DROP TABLE requests_v1;";

Result<int> user_version(sqlite3* db) {
  Statement s(db, "PRAGMA user_version");
  if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW) {
    return fail(message_of(db));
  }
  return static_cast<int>(s.column_int(0));
}

}  // namespace

Result<void> ensure_schema(sqlite3* db, bool may_create) {
  auto version = user_version(db);
  if (!version) {
    return fail(version.error());
  }
  if (*version == kSchemaVersion) {
    return {};
  }
  if (*version > kSchemaVersion) {
    return fail("its schema version " + std::to_string(*version) +
                " is newer than this ccproxy's (" + std::to_string(kSchemaVersion) + ")");
  }
  if (*version == 0 && !may_create) {
    return fail("it holds no usage ledger yet");
  }
  if (auto r = exec(db, "BEGIN IMMEDIATE"); !r) {
    return r;
  }
  auto again = user_version(db);
  Result<void> made;
  if (!again) {
    made = fail(again.error());
  } else if (*again == 0 || *again == 1) {
    if (*again == 1) {
      made = exec(db, kFromVersion1);
    }
    if (made) {
      made = exec(db, kSchema);
    }
    if (made && *again == 1) {
      made = exec(db, kCopyVersion1);
    }
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

}  // namespace ccproxy::usage
